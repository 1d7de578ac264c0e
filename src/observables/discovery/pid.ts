/** Whether a process is alive, as discovery asks it of a lock file's or registry entry's `pid`. */

/**
 * Whether a process with this PID exists, by `process.kill(pid, 0)` (no signal is sent):
 * `ESRCH` means dead; `EPERM` means alive (it exists but belongs to another user). Anything
 * but a positive integer is not a process (`0` and negative numbers name process groups).
 *
 * A live PID proves nothing about who runs it (PIDs are reused, and any file can name pid 1):
 * it only tells a stale file from a possibly live one. `confirmInstance` asks the instance.
 *
 * ```ts
 * isPidAlive(process.pid); // true
 * ```
 */
export const isPidAlive = (pid: number): boolean => {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException | null)?.code === 'EPERM';
  }
};

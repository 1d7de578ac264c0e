/**
 * `npm start`: a live view of an embedded fake Pando instance. It starts the fake in-process,
 * connects to it exactly as to a real Pando (ZeroMQ over loopback), and shows the sessions,
 * the agent's text as it streams, its tool calls and the instance's liveness while it plays a
 * few scripted turns. It keeps playing until Ctrl-C; under `CI=true` or with `--once` it
 * plays the turns once and exits.
 */
import { filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { connect } from '../index.js';
import { streamText } from '../operators/streamText.js';
import { toolCalls } from '../operators/toolCalls.js';
import { turns } from '../operators/turns.js';
import type { Mirror } from '../operators/mirrorState.js';
import { startFakeInstance } from '../testing/fake-instance/index.js';
import { PROMPTS, demoScript as script } from './scenario.js';

const tty = process.stdout.isTTY === true;
const paint = (code: number) => (text: string): string => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
const dim = paint(2);
const bold = paint(1);
const green = paint(32);
const red = paint(31);
const cyan = paint(36);

const printMirror = (mirror: Mirror): void => {
  console.log(bold(`sessions (${mirror.size}, from ${mirror.source}):`));
  for (const session of mirror.sessions) {
    const active = session.id === mirror.activeSessionId ? green('●') : ' ';
    console.log(`  ${active} ${session.title.padEnd(40)} ${dim(`${session.message_count} msgs, ${session.updated_at.toISOString()}`)}`);
  }
};

const main = async (): Promise<void> => {
  const once = process.argv.includes('--once') || process.env['CI'] === 'true';
  const fake = await startFakeInstance({ mode: 'full', tokenIntervalMs: tty ? 40 : 2, heartbeatIntervalMs: 1000, script });
  const pando = connect({ pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint });
  console.log(dim(`fake Pando instance ${fake.instanceId}: PUB ${fake.pubEndpoint}, RPC ${fake.rpcEndpoint}`));

  let printed = 0;
  let resumed = false;
  const views = [
    pando.status$.subscribe((status) => console.log(dim(`[status] ${status}`))),
    pando.mirror$.subscribe(printMirror),
    // The agent's text as it streams: print what each emission adds to the turn's text.
    pando.events$.pipe(streamText()).subscribe((text) => {
      if (printed === 0 || resumed) process.stdout.write(`${cyan('agent')} ${resumed ? '…' : ''}`);
      resumed = false;
      process.stdout.write(text.text.slice(printed));
      printed = text.text.length;
      if (text.status !== 'streaming') {
        process.stdout.write(` ${dim(`(${text.status})`)}\n`);
        printed = 0;
      }
    }),
    pando.events$.pipe(toolCalls()).subscribe((call) => {
      const mark = call.status === 'ok' ? green('✓') : red('✗');
      if (printed > 0) {
        process.stdout.write('\n'); // the tool call interrupts the streamed line
        resumed = true;
      }
      console.log(`  ${mark} ${call.toolName} ${dim(`${call.durationMs ?? '?'} ms`)}`);
    }),
    pando.events$.pipe(turns()).subscribe((turn) => {
      console.log(dim(`  turn done: ${turn.tokensOut} tokens out, ${turn.toolCalls.length} tool call(s)`));
    }),
  ];

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const view of views) view.unsubscribe();
    pando.close();
    await fake.stop();
  };
  process.once('SIGINT', () => {
    console.log(dim('\nstopping…'));
    void stop().then(() => process.exit(0));
  });

  await firstValueFrom(pando.mirror$);
  const sessions = fake.sessions();
  for (let round = 0; !stopping; round++) {
    const prompt = PROMPTS[round % PROMPTS.length]!;
    const session = sessions[round % sessions.length]!;
    console.log(`\n${bold('you')} ${prompt} ${dim(`→ ${session.title}`)}`);
    const ended = firstValueFrom(pando.on('llm.end').pipe(filter((e) => e.payload.session_id === session.id)));
    await lastValueFrom(pando.switchSession(session.id));
    await lastValueFrom(pando.sendMessage(session.id, prompt));
    await ended;
    if (once && round + 1 >= 2) break;
  }
  // Show what the instance now holds, read back over RPC.
  const messages = await lastValueFrom(pando.listMessages(sessions[0]!.id).pipe(take(1), toArray()));
  console.log(dim(`\n${sessions[0]!.title}: ${messages[0]!.length} messages stored`));
  await stop();
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

/**
 * The scripted LLM turns that the fake instance plays on its PUB socket: what a script returns,
 * how a reply is cut into tokens, and the default script.
 */

/** One tool call of a scripted turn (`tool.start`, then `tool.end`). */
export interface ScriptedToolCall {
  /** The tool's name, e.g. `read_file` (`tool_name`). */
  readonly name: string;
  /** The call's arguments; sent JSON-encoded as a string in `tool.start`'s `params`. Default `{}`. */
  readonly params?: unknown;
  /** The tool's output, sent in `tool.end` cut to 512 characters plus `...`. Default `''`. */
  readonly result?: string;
  /** Whether the tool failed (`is_error`). Default `false`. */
  readonly isError?: boolean;
  /**
   * How many reply tokens are streamed before this call starts: `0` (the default) calls the
   * tool before the first token; a number at or past the token count calls it after the last.
   */
  readonly afterToken?: number;
  /** The call's id (`call_id`). Default a generated `call_<hex>`. */
  readonly callId?: string;
  /** Milliseconds between `tool.start` and `tool.end`. Default the instance's `tokenIntervalMs`. */
  readonly durationMs?: number;
}

/** What a script answers for one message: the reply to stream and the tool calls to make. */
export interface ScriptedTurn {
  /**
   * The assistant's reply: a text (cut into word tokens by {@link splitIntoTokens}) or the exact
   * tokens to stream, in order (the stored reply is their concatenation).
   */
  readonly reply: string | readonly string[];
  /** Tool calls to make during the turn, placed by their `afterToken`. Default none. */
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** `tokens_in` of `llm.end` in full mode. Default about one token per 4 characters of the message. */
  readonly tokensIn?: number;
}

/**
 * A script: from the session and the user's message to the turn to play. A plain string is a
 * reply without tool calls. A script that throws makes `message.send` fail with
 * `-32000 message.send: <the error's message>` (and no turn is played).
 */
export type TurnScript = (sessionId: string, content: string) => ScriptedTurn | string;

/**
 * Cuts a text into word tokens as an LLM stream would deliver them: each word with the
 * whitespace that follows it (leading whitespace is a token of its own). Joining the tokens
 * gives the text back; `''` gives no token.
 *
 * ```ts
 * splitIntoTokens('Hello, big world'); // ['Hello, ', 'big ', 'world']
 * ```
 */
export const splitIntoTokens = (text: string): string[] => text.match(/^\s+|\S+\s*/g) ?? [];

/** The longest `tool.end` result Pando sends before cutting it. */
export const TOOL_RESULT_LIMIT = 512;

/** Cuts a tool result as Pando does: at most 512 characters, then `...` when something was cut. */
export const truncateToolResult = (result: string): string =>
  result.length > TOOL_RESULT_LIMIT ? `${result.slice(0, TOOL_RESULT_LIMIT)}...` : result;

const quote = (content: string): string => (content.length > 80 ? `${content.slice(0, 77)}...` : content);

/** The opening sentence of the default reply, streamed before its tool call. */
const OPENING = 'Let me look at the project first. ';

/**
 * The default script: an echo-ish reply streamed as word tokens, with one `read_file` tool call
 * after the opening sentence.
 *
 * ```ts
 * defaultScript('s1', 'hi');
 * // { reply: 'Let me look at the project first. I read README.md. You said: "hi". Done.',
 * //   toolCalls: [{ name: 'read_file', params: { path: 'README.md' }, result: '# demo…', afterToken: 7 }] }
 * ```
 */
export const defaultScript: TurnScript = (_sessionId, content) => ({
  reply: `${OPENING}I read README.md. You said: "${quote(content)}". Done.`,
  toolCalls: [
    {
      name: 'read_file',
      params: { path: 'README.md' },
      result: '# demo\n\nA small project used by the pando-rx fake instance.\n',
      afterToken: splitIntoTokens(OPENING).length,
    },
  ],
});

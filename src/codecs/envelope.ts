import * as t from 'io-ts';
import { Rfc3339Date } from './values.js';

/**
 * The envelope of every event (JSON, camelCase keys). `sessionId` is omitted when empty;
 * `payload` is decoded separately, by the topic's codec.
 */
export const Envelope = t.intersection(
  [
    t.type({ instanceId: t.string, projectId: t.string, topic: t.string, timestamp: Rfc3339Date, payload: t.unknown }),
    t.partial({ sessionId: t.string }),
  ],
  'Envelope',
);
export type Envelope = t.TypeOf<typeof Envelope>;

import type { EventOf, KnownTopic, PandoEvent } from '../../codecs/topics.js';

/** Whether a decoded event is of the given known topic (the decoder guarantees its payload). */
export const isTopic = <K extends KnownTopic>(event: PandoEvent, topic: K): event is EventOf<K> => event.topic === topic;

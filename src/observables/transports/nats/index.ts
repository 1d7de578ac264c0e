export { NatsTransport, type NatsOptions } from './nats-transport.js';
export { connectNats, type ConnectNatsOptions } from './connect-nats.js';
export { natsOptionsFromEnv } from './env-options.js';
export {
  encodeToken,
  decodeToken,
  eventSubject,
  rpcSubject,
  controlSubject,
  requestSubject,
  READ_ONLY_METHODS,
  statusSubject,
  statusRequestSubject,
  subjectForPrefix,
  FLEET_JOIN_SUBJECT,
  FLEET_LEAVE_SUBJECT,
  RelayErrorCode,
  type RelayStatus,
} from './subjects.js';

export { startRelay, type Relay, type RelayOptions } from './start-relay.js';
export { READ_ONLY_METHODS } from './rpc-forwarder.js';

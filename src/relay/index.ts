export { startRelay, type Relay, type RelayOptions } from './start-relay.js';

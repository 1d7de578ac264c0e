import { RelayStartError, serversOf, withoutCredentials } from '../../src/relay/relay-errors.js';

describe('what may be printed of a NATS server', () => {
  it('takes user info out of a URL, with or without a scheme, and leaves the rest as it is', () => {
    expect(withoutCredentials('nats://relay:s3cret@hub.example:4222')).toBe('nats://hub.example:4222');
    expect(withoutCredentials('tls://t0ken@hub.example')).toBe('tls://hub.example');
    expect(withoutCredentials('relay:s3cret@hub.example:4222')).toBe('hub.example:4222');
    expect(withoutCredentials('hub.example:4222')).toBe('hub.example:4222');
    expect(withoutCredentials('nats://hub.example:4222')).toBe('nats://hub.example:4222');
  });

  it('names the servers of a RelayStartError without their credentials', () => {
    const error = new RelayStartError('unreachable', serversOf(['nats://u:s3cret@a:4222', 'u:s3cret@b:4222']));
    expect(error.message).not.toContain('s3cret');
    expect(error.servers).toEqual(['nats://a:4222', 'b:4222']);
    expect(serversOf(undefined)).toEqual(['nats://127.0.0.1:4222']);
  });
});

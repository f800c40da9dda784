import { encode as encodeCbor } from 'cbor2';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../local/webhook-receiver';
import { generateWebhookSecret, signWebhook } from '../../../shared/adapters/http/webhook-signer';

describe('startWebhookReceiver', () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const post = (url: string, body: Uint8Array, headers: Record<string, string>) =>
    fetch(`${url}/ok`, { method: 'POST', headers, body: Buffer.from(body) });

  it('verifies a CBOR delivery over its bytes, decodes it for display and logs it', async () => {
    // Prepare
    const secret = generateWebhookSecret();
    const lines: string[] = [];
    receiver = await startWebhookReceiver(0, '127.0.0.1', { secret, log: (line) => lines.push(line) });
    const body = encodeCbor({ id: 'evt-1', type: 'order.created', payload: { n: 1 } });
    const signed = signWebhook({ secret, id: 'msg_1', timestamp: new Date(), payload: body });

    // Act
    const response = await post(receiver.url, body, { 'content-type': 'application/cbor', ...signed });

    // Assess
    expect(response.status).toBe(204);
    expect(receiver.received[0]).toMatchObject({
      webhookId: 'msg_1',
      type: 'order.created',
      contentType: 'application/cbor',
      body: { id: 'evt-1', type: 'order.created', payload: { n: 1 } },
      verified: true,
    });
    expect(lines[0]).toContain('application/cbor verified');
  });

  it('rejects a delivery whose bytes were changed after signing with 401', async () => {
    // Prepare
    const secret = generateWebhookSecret();
    receiver = await startWebhookReceiver(0, '127.0.0.1', { secret });
    const body = encodeCbor({ id: 'evt-2', type: 'order.created' });
    const signed = signWebhook({ secret, id: 'msg_2', timestamp: new Date(), payload: body });
    const changed = Buffer.from(body);
    changed.writeUInt8(changed.readUInt8(changed.length - 1) ^ 1, changed.length - 1);

    // Act
    const response = await post(receiver.url, changed, { 'content-type': 'application/cbor', ...signed });

    // Assess
    expect(response.status).toBe(401);
    expect(receiver.received[0]).toMatchObject({ verified: false, failure: 'bad_signature', status: 401 });
  });
});

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServingFixture, slowStore, type ServingFixture } from './fixture.js';

let fixture: ServingFixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Opens a keep-alive connection whose `send` writes one request and resolves with the response text. */
function connect(port: number): Promise<{ send(raw: string): Promise<string>; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      resolve({
        socket,
        send: (raw) =>
          new Promise((done) => {
            let received = '';
            const onData = (chunk: Buffer) => {
              received += chunk.toString('utf8');
              const headerEnd = received.indexOf('\r\n\r\n');
              const length = /content-length: (\d+)/i.exec(received);
              if (headerEnd >= 0 && length && received.length >= headerEnd + 4 + Number(length[1])) {
                socket.off('data', onData);
                done(received);
              }
            };
            socket.on('data', onData);
            socket.write(raw);
          }),
      });
    });
    socket.on('error', reject);
  });
}

describe('graceful shutdown', () => {
  it('serves a request arriving during close', async () => {
    fixture = await createServingFixture();
    // Holds the close in its first phase, when Fastify already counts as closing but the
    // connections are still open. Under load, requests reach the server in this window.
    fixture.app.addHook('preClose', async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    const address = await fixture.app.listen({ host: '127.0.0.1', port: 0 });
    const connection = await connect(Number(new URL(address).port));
    const body = JSON.stringify({ user_id: 'U1', top_k: 2 });
    const request = `POST /recommendations HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    expect(await connection.send(request)).toMatch(/^HTTP\/1\.1 200/);

    const closing = fixture.app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const during = await connection.send(request);
    await closing;
    connection.socket.destroy();

    expect(during).toMatch(/^HTTP\/1\.1 200/);
    expect(during.toLowerCase()).toContain('connection: close');
    expect(during).toContain('"recommendations"');
  });

  it('closes in-flight connections at close', async () => {
    fixture = await createServingFixture({ wrapCandidates: (store) => slowStore(store, 100) });
    const address = await fixture.app.listen({ host: '127.0.0.1', port: 0 });
    const connection = await connect(Number(new URL(address).port));
    const body = JSON.stringify({ user_id: 'U1', top_k: 2 });
    const answer = connection.send(`POST /recommendations HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    const socketClosed = new Promise((resolve) => connection.socket.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const closing = fixture.app.close();

    const response = await answer;
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response.toLowerCase()).toContain('connection: close');
    // The server ends the connection itself. Without `connection: close` it would stay open until
    // Fastify's keep-alive timeout (72 s).
    await socketClosed;
    await closing;
  });
});

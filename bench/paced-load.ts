import net from 'node:net';

/** One request of a paced run. */
export interface PacedRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

export interface PacedFigures {
  /** Requests scheduled, each 1/rate s after the previous one. */
  readonly sent: number;
  /** Requests whose response had a 2xx status. */
  readonly ok: number;
  readonly non2xx: number;
  /** Connection errors and requests still unanswered when the run ended. */
  readonly errors: number;
  /** Completed requests per second of the run. */
  readonly rps: number;
  /** Latency percentiles of the completed requests, ms, counted from each request's scheduled send time. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** CPU time (user + system) of this load generator per completed request, ms. */
  readonly clientCpuMsPerRequest: number;
}

/** Maximum connections of a run; a request that finds them all busy waits for the first free one. */
const MAX_CONNECTIONS = 64;
const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');

/** One keep-alive connection with at most one request in flight. */
interface Connection {
  readonly socket: net.Socket;
  /** Scheduled time of the request in flight, or -1 when the connection is free. */
  scheduled: number;
  /** Bytes of the response received so far. */
  received: Buffer;
}

/**
 * Sends `rate` requests per second, evenly spaced, for `seconds`, over keep-alive connections
 * (open loop: a request goes out at its scheduled time whether or not earlier ones have returned,
 * on a free connection or a new one). Latency runs from the scheduled time, not the actual send,
 * so a late client timer or a stalled server raises it instead of lowering the rate (the
 * coordinated-omission correction wrk2 makes).
 *
 * The client writes HTTP/1.1 on plain sockets and reads only the status line and the body length.
 * node:http's client took about 0.45 ms of CPU per request on the benchmark machine, this one
 * about 0.2 ms, and on a 2-core machine that CPU competes with the server under test. It expects
 * responses with `content-length` or chunked encoding, as Fastify sends.
 *
 * autocannon's `overallRate` does not pace like this: each connection sends its per-second quota
 * back to back and then waits for the next second, so its latency at a given rate is that of
 * bursts at the maximum rate.
 */
export async function pacedLoad(url: string, rate: number, seconds: number, request: (index: number) => PacedRequest): Promise<PacedFigures> {
  const target = new URL(url);
  const host = target.hostname;
  const port = Number(target.port);
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const intervalMs = 1000 / rate;
  let next = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let pending = 0;
  const free: Connection[] = [];
  const all = new Set<Connection>();
  /** Requests waiting for a connection: their index and scheduled time. */
  const waiting: [number, number][] = [];

  const requestBytes = (index: number): Buffer => {
    const { method, path, body } = request(index);
    const head = `${method} ${path} HTTP/1.1\r\nhost: ${host}:${port}\r\n`;
    if (body === undefined) return Buffer.from(`${head}\r\n`, 'latin1');
    return Buffer.from(`${head}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'utf8');
  };

  const finish = (connection: Connection, status: number) => {
    pending--;
    if (status >= 200 && status < 300) latencies[ok++] = performance.now() - connection.scheduled;
    else non2xx++;
    connection.scheduled = -1;
    connection.received = Buffer.alloc(0);
    const queued = waiting.shift();
    if (queued === undefined) free.push(connection);
    else write(connection, queued[0], queued[1]);
  };

  /** Returns the response's status once `received` has a whole response, else null. */
  const completeStatus = (received: Buffer): number | null => {
    const headerEnd = received.indexOf(HEADER_END);
    if (headerEnd < 0) return null;
    const head = received.toString('latin1', 0, headerEnd).toLowerCase();
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
    const bodyStart = headerEnd + HEADER_END.length;
    if (length !== null) return received.length >= bodyStart + Number(length[1]) ? status : null;
    if (head.includes('\r\ntransfer-encoding: chunked')) return received.subarray(bodyStart).indexOf(CHUNKED_END) >= 0 ? status : null;
    return status;
  };

  const open = (): Connection => {
    const socket = net.connect({ host, port, noDelay: true });
    const connection: Connection = { socket, scheduled: -1, received: Buffer.alloc(0) };
    all.add(connection);
    socket.on('data', (chunk: Buffer) => {
      connection.received = connection.received.length === 0 ? chunk : Buffer.concat([connection.received, chunk]);
      if (connection.scheduled < 0) return;
      const status = completeStatus(connection.received);
      if (status !== null) finish(connection, status);
    });
    const drop = () => {
      if (!all.delete(connection)) return;
      const index = free.indexOf(connection);
      if (index >= 0) free.splice(index, 1);
      if (connection.scheduled >= 0) {
        pending--;
        errors++;
      }
      // A request waiting for a connection takes a new one, so it still gets a response or counts as an error.
      const queued = waiting.shift();
      if (queued !== undefined) write(open(), queued[0], queued[1]);
    };
    socket.on('error', drop);
    socket.on('close', drop);
    return connection;
  };

  const write = (connection: Connection, index: number, scheduled: number) => {
    connection.scheduled = scheduled;
    connection.socket.write(requestBytes(index));
  };

  const send = (index: number, scheduled: number) => {
    pending++;
    // The longest-idle connection first, so requests rotate over the open connections (and so over
    // SERVE_WORKERS processes, which each take whole connections) as from many clients.
    const connection = free.shift() ?? (all.size < MAX_CONNECTIONS ? open() : undefined);
    if (connection === undefined) waiting.push([index, scheduled]);
    else write(connection, index, scheduled);
  };

  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        send(next, start + next * intervalMs);
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
      else resolve();
    };
    tick();
  });

  // Wait up to 2 s for the last responses; a request still pending then counts as an error.
  const deadline = performance.now() + 2_000;
  while (pending > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const elapsedSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  errors += pending;
  for (const connection of all) connection.socket.destroy();

  const sorted = latencies.subarray(0, ok).sort();
  const percentile = (q: number) => (ok === 0 ? Number.NaN : sorted[Math.min(ok - 1, Math.ceil(q * ok) - 1)]);
  return {
    sent: total,
    ok,
    non2xx,
    errors,
    rps: ok / elapsedSeconds,
    p50: percentile(0.5),
    p99: percentile(0.99),
    max: ok === 0 ? Number.NaN : sorted[ok - 1],
    clientCpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(ok + non2xx, 1),
  };
}

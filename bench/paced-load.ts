import http from 'node:http';

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
}

/**
 * Sends `rate` requests per second, evenly spaced, for `seconds`, over keep-alive connections
 * (open loop: a request goes out at its scheduled time whether or not earlier ones have returned,
 * on a free connection or a new one). Latency runs from the scheduled time, not the actual send,
 * so a late client timer or a stalled server raises it instead of lowering the rate (the
 * coordinated-omission correction wrk2 makes).
 *
 * autocannon's `overallRate` does not pace like this: each connection sends its per-second quota
 * back to back and then waits for the next second, so its latency at a given rate is that of
 * bursts at the maximum rate.
 */
export async function pacedLoad(url: string, rate: number, seconds: number, request: (index: number) => PacedRequest): Promise<PacedFigures> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const intervalMs = 1000 / rate;
  let next = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let pending = 0;
  const start = performance.now();

  const send = (index: number, scheduled: number) => {
    const { method, path, body } = request(index);
    pending++;
    const outgoing = http.request(
      { agent, host: target.hostname, port: target.port, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => {
          pending--;
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) latencies[ok++] = performance.now() - scheduled;
          else non2xx++;
        });
      },
    );
    outgoing.on('error', () => {
      pending--;
      errors++;
    });
    outgoing.end(body);
  };

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
  errors += pending;
  agent.destroy();

  const sorted = latencies.subarray(0, ok).sort();
  const percentile = (q: number) => (ok === 0 ? Number.NaN : sorted[Math.min(ok - 1, Math.ceil(q * ok) - 1)]);
  return { sent: total, ok, non2xx, errors, rps: ok / elapsedSeconds, p50: percentile(0.5), p99: percentile(0.99), max: ok === 0 ? Number.NaN : sorted[ok - 1] };
}

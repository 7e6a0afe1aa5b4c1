// The Redis a cluster meets on: a redis:// or rediss:// (TLS) URL, possibly
// with a user and password. Messages print it with the password masked.

import { Redis, type RedisOptions } from 'ioredis';
import { ClusterError } from './errors';

export interface RedisTarget {
  /** The URL as given (with its password): only ever handed to the client. */
  url: string;
  /** The URL with the password masked, for messages and logs. */
  safe: string;
  tls: boolean;
}

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClusterError('bad-url', `'${url}' is not a Redis URL: give redis://host:port or rediss://host:port (TLS)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ClusterError('bad-url', `'${mask(u)}' is not a Redis URL: it must start with redis:// or rediss:// (TLS)`);
  if (!u.hostname) throw new ClusterError('bad-url', `'${mask(u)}' names no host`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new ClusterError('bad-url', `'${mask(u)}': the path must be a database number, got '${db}'`);
  return { url, safe: mask(u), tls: u.protocol === 'rediss:' };
}

function mask(u: URL): string {
  const m = new URL(u.href);
  if (m.password) m.password = '***';
  return m.href.replace(/\/$/, '');
}

/**
 * A client for BullMQ's workers and queue events: blocking commands, so
 * requests wait across reconnects (BullMQ requires maxRetriesPerRequest null).
 */
export function blockingClient(t: RedisTarget, extra: RedisOptions = {}): Redis {
  return new Redis(t.url, { maxRetriesPerRequest: null, ...extra });
}

/**
 * Checks that Redis answers within `timeoutMs`, with a one-line error naming
 * the URL (password masked) when it does not: a run never waits silently on
 * a Redis that is not there.
 */
export async function probeRedis(t: RedisTarget, timeoutMs = 3000): Promise<{ version: string }> {
  const client = new Redis(t.url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    const info = await client.info('server');
    return { version: /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? '?' };
  } catch (e) {
    throw new ClusterError('unreachable', `Redis at ${t.safe} is unreachable: ${reason(e)}`);
  } finally {
    client.disconnect();
  }
}

function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return /NOAUTH|WRONGPASS|invalid password/i.test(m) ? `authentication failed (${m})` : m || 'no answer';
}

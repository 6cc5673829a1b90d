/**
 * TLS for the server itself (`--tls-cert/--tls-key`, config `tls.cert` and
 * `tls.key`): HTTP/2 with HTTP/1.1 for clients that do not offer h2 (ALPN),
 * and the certificate read again on SIGHUP so a renewed one is served
 * without a restart.
 */
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import type { ServerConfig } from './config.ts';

export function readKeyPair(tls: ServerConfig['tls']): SecureContextOptions {
  return { cert: readFileSync(tls.cert as string), key: readFileSync(tls.key as string) };
}

/** Fastify's server options for the configured TLS, or none for plain HTTP. */
export function tlsServerOptions(config: ServerConfig): object {
  if (!config.tls.cert) return {};
  return { http2: true, https: { allowHTTP1: true, ...readKeyPair(config.tls) } };
}

/** The request objects' kind for an instance that gets its requests from the TLS listener's (HTTP/2 compat). */
export function tlsHttp2(config: ServerConfig): object {
  return config.tls.cert ? { http2: true } : {};
}

/** Reloads the certificate and key into a TLS server; a bad pair is reported and the old one kept. */
export function reloadTls(server: unknown, config: ServerConfig): void {
  (server as TlsServer).setSecureContext(readKeyPair(config.tls));
}

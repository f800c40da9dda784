/**
 * Child process of the cold-start benchmark: imports one bundle and prints, on one line prefixed
 * with `@@bench `, the import time, the time since the process started (Node's `timeOrigin`, so
 * runtime bootstrap + import, like Lambda's Init Duration), whether the module exports `handler`,
 * and every network attempt made while importing (TCP/TLS connects, DNS lookups, UDP sends).
 *
 * Usage: node bench/import-timer.mjs <bundle.mjs> [lingerMs]
 * With lingerMs > 0 it waits that long after the import to catch network I/O started by timers.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

const [file, lingerArg = '0'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/import-timer.mjs <bundle.mjs> [lingerMs]\n');
  process.exit(2);
}

const network = [];
const describe = (args) => {
  const first = args[0];
  if (Array.isArray(first)) return describe(first);
  if (first && typeof first === 'object') return `${first.host ?? first.path ?? 'localhost'}:${first.port ?? ''}`;
  return args.filter((a) => typeof a !== 'function' && typeof a !== 'object').join(':');
};
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  network.push(`tcp connect ${describe(args)}`);
  return originalConnect.apply(this, args);
};
const originalLookup = dns.lookup;
dns.lookup = function lookup(...args) {
  network.push(`dns lookup ${args[0]}`);
  return originalLookup.apply(this, args);
};
const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = function lookup(...args) {
  network.push(`dns lookup ${args[0]}`);
  return originalPromisesLookup.apply(this, args);
};
const originalSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function send(...args) {
  network.push(`udp send ${args.slice(-3, -1).join(':')}`);
  return originalSend.apply(this, args);
};
syncBuiltinESMExports();

const url = pathToFileURL(file).href;
const start = process.hrtime.bigint();
const module = await import(url);
const importNs = Number(process.hrtime.bigint() - start);
const sinceProcessStartMs = performance.now();
const linger = Number(lingerArg);
if (linger > 0) await new Promise((resolve) => setTimeout(resolve, linger));
const result = { importNs, readyNs: Math.round(sinceProcessStartMs * 1e6), handler: typeof module.handler, network };
process.stdout.write(`@@bench ${JSON.stringify(result)}\n`);
process.exit(0);

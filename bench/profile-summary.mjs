#!/usr/bin/env node
// Summarises a V8 CPU profile (`node --cpu-prof`, or `node bench/run.mjs --profile`): the
// functions with the most self time and the most inclusive time, as percentages of samples.
//
//   node bench/profile-summary.mjs bench/results/profiles/throughput.cpuprofile [top=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const label = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
};

const timeByNode = new Map();
profile.samples.forEach((id, i) => timeByNode.set(id, (timeByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
let total = 0;
const self = new Map();
const inclusive = new Map();
for (const [id, time] of timeByNode) {
  total += time;
  const key = label(nodes.get(id));
  self.set(key, (self.get(key) ?? 0) + time);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(nodes.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + time);
  }
}
const print = (title, map) => {
  console.log(title);
  for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * time) / total).toFixed(1).padStart(6)}%  ${key}`);
  }
};
print(`self time (${(total / 1e6).toFixed(2)} s sampled)`, self);
print('inclusive time', inclusive);

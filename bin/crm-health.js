#!/usr/bin/env node
// The package bin: runs the TypeScript CLI on Node 24's type stripping.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`crm-health needs Node.js 24 (this is ${process.version}). Run it through npm (npm run cli -- …) or npx, which use the project's pinned Node.\n`);
  process.exit(1);
}
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);

// A live homelab for the browser tests: the test control plane (`testbed --running --demo`: a
// real kube-apiserver and etcd with the CRDs, the scheduler, the workload controllers and kwok as
// the nodes' kubelets, with the demo homelab applied as in real life), then `homelab serve`
// watching it as the shipped ServiceAccount (deploy/base's ServiceAccount, ClusterRole and
// binding, applied by the testbed; never as cluster admin), signing in through the test OIDC
// provider. The tests stop and restart the API server through the testbed's signals.
//
//   node e2e/live/serve.mjs
//
// Environment: TESTBED_BIN and HOMELAB_BIN (the binaries), E2E_LIVE_INFO (where the testbed
// writes its details: kubeconfig, server URL, admin token, CA; the tests read it to change the
// cluster), and the HOMELAB_* settings of the app, passed on as they are.
// Both children stop with this process: the testbed when its standard input (our pipe) closes,
// the app on SIGTERM; Playwright stops the whole process group anyway.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

function need(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`serve.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const testbedBin = need('TESTBED_BIN');
const homelabBin = need('HOMELAB_BIN');
const infoPath = need('E2E_LIVE_INFO');

const base = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/base');
const rbac = ['namespace.yaml', 'serviceaccount.yaml', 'clusterrole.yaml', 'clusterrolebinding.yaml',
  'admission-policy.yaml']
  .flatMap((file) => ['--apply', path.join(base, file)]);
const testbed = spawn(
  testbedBin,
  // A real Velero in a namespace of its own (the demo's Velero objects in `velero` stay as
  // recorded): the restore drill test backs up and restores through it.
  ['--running', '--demo', ...rbac, '--service-account', 'homelab/homelab', '--velero', 'velero-lab', infoPath],
  { stdio: ['pipe', 'inherit', 'inherit'] },
);
let app = null;
let stopping = false;

function stop(code) {
  if (stopping) return;
  stopping = true;
  if (app && app.exitCode === null) app.kill('SIGTERM');
  testbed.stdin.end();
  if (testbed.exitCode === null) testbed.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500);
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
testbed.on('exit', (code) => {
  if (!stopping) console.error(`serve.mjs: testbed exited (${code})`);
  stop(1);
});

const deadline = Date.now() + 180_000;
while (!fs.existsSync(infoPath)) {
  if (stopping) process.exit(1);
  if (Date.now() > deadline) {
    console.error('serve.mjs: the testbed did not get ready in 180 s');
    stop(1);
  }
  await sleep(100);
}
const info = JSON.parse(fs.readFileSync(infoPath, 'utf8'));
app = spawn(homelabBin, ['serve'], {
  stdio: 'inherit',
  env: { ...process.env, HOMELAB_CLUSTER__KUBECONFIG: info.service_account_kubeconfig },
});
app.on('exit', (code) => {
  if (!stopping) console.error(`serve.mjs: homelab exited (${code})`);
  stop(code ?? 1);
});

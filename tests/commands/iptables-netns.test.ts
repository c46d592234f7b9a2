// The iptables command for real, inside network namespaces this test makes: a "host" namespace with a
// docker0 bridge, a "container" namespace on that bridge (its only route goes to the host namespace) and
// a "neighbour" namespace on another interface. No packet can leave the machine. Needs root.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { runIptablesCommand } from '../../src/commands/iptables.js';
import { prefixedRunner, runProgram } from '../../src/commands/io.js';

const id = randomBytes(3).toString('hex');
const HOST_NS = `mdp-ipt-${id}`;
const CONTAINER_NS = `mdp-ipt-${id}-c`;
const NEIGHBOUR_NS = `mdp-ipt-${id}-n`;
const PORT = 8000;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
const inNs = (ns: string) => ['nsenter', `--net=/run/netns/${ns}`];
const hostRun = prefixedRunner(inNs(HOST_NS), runProgram);
const io = { stdout: () => {}, stderr: (t: string) => process.stderr.write(t), readFile: (p: string) => readFileSync(p, 'utf8') };

async function rules(table: 'nat' | 'filter', chain: string, command: 'iptables' | 'ip6tables' = 'iptables'): Promise<string[]> {
  const result = await hostRun([command, '-w', '-t', table, '-S', chain]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.split('\n').filter((line) => line.startsWith('-A '));
}

/** An HTTP GET from inside a namespace; resolves to the body, or to the error code. */
function getFrom(ns: string, url: string): Promise<string> {
  const script = `require('http').get(${JSON.stringify(url)}, { timeout: 1500 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(b)); })
    .on('timeout', () => { console.log('TIMEOUT'); process.exit(0); }).on('error', (e) => console.log(e.code || e.message));`;
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(inNs(ns)[0]!, [...inNs(ns).slice(1), process.execPath, '-e', script]);
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('close', () => resolve(out.trim()));
  });
}

function sysctl(ns: string, key: string): string {
  return execFileSync(inNs(ns)[0]!, [...inNs(ns).slice(1), 'sysctl', '-n', key], { encoding: 'utf8' }).trim();
}

describe('metadataproxy iptables in a real network namespace', () => {
  let server: ChildProcess | undefined;

  before(async () => {
    ip('netns', 'add', HOST_NS);
    ip('netns', 'add', CONTAINER_NS);
    ip('netns', 'add', NEIGHBOUR_NS);
    // Without this the IPv6 addresses below stay "tentative" (duplicate address detection) for a while.
    for (const ns of [HOST_NS, CONTAINER_NS, NEIGHBOUR_NS]) {
      for (const scope of ['all', 'default']) execFileSync(inNs(ns)[0]!, [...inNs(ns).slice(1), 'sysctl', '-qw', `net.ipv6.conf.${scope}.accept_dad=0`]);
    }
    ip('-n', HOST_NS, 'link', 'set', 'lo', 'up');
    ip('-n', HOST_NS, 'link', 'add', 'docker0', 'type', 'bridge');
    ip('-n', HOST_NS, 'addr', 'add', '172.17.0.1/16', 'dev', 'docker0');
    ip('-n', HOST_NS, 'addr', 'add', 'fd00:d0c::1/64', 'dev', 'docker0');
    ip('-n', HOST_NS, 'link', 'set', 'docker0', 'up');
    ip('-n', HOST_NS, 'link', 'add', 'veth-c', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CONTAINER_NS);
    ip('-n', HOST_NS, 'link', 'set', 'veth-c', 'master', 'docker0', 'up');
    ip('-n', CONTAINER_NS, 'addr', 'add', '172.17.0.2/16', 'dev', 'eth0');
    ip('-n', CONTAINER_NS, 'link', 'set', 'eth0', 'up');
    ip('-n', CONTAINER_NS, 'addr', 'add', 'fd00:d0c::2/64', 'dev', 'eth0');
    ip('-n', CONTAINER_NS, 'route', 'add', 'default', 'via', '172.17.0.1');
    ip('-n', CONTAINER_NS, '-6', 'route', 'add', 'default', 'via', 'fd00:d0c::1');
    ip('-n', HOST_NS, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NEIGHBOUR_NS);
    ip('-n', HOST_NS, 'addr', 'add', '10.9.0.1/24', 'dev', 'eth1');
    ip('-n', HOST_NS, 'addr', 'add', 'fd00:9::1/64', 'dev', 'eth1');
    ip('-n', HOST_NS, 'link', 'set', 'eth1', 'up');
    ip('-n', NEIGHBOUR_NS, 'addr', 'add', '10.9.0.2/24', 'dev', 'eth0');
    ip('-n', NEIGHBOUR_NS, 'addr', 'add', 'fd00:9::2/64', 'dev', 'eth0');
    ip('-n', NEIGHBOUR_NS, 'link', 'set', 'eth0', 'up');
    // Stands in for the proxy (HOST=::, both families): answers with the address it saw the caller come from.
    const script = `require('http').createServer((q, s) => s.end('proxy saw ' + q.socket.remoteAddress.replace(/^::ffff:/, ''))).listen(${PORT}, '::', () => console.log('up'))`;
    server = spawn(inNs(HOST_NS)[0]!, [...inNs(HOST_NS).slice(1), process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => server!.stdout!.once('data', resolve));
  });

  after(() => {
    if (server?.pid !== undefined) server.kill();
    for (const ns of [CONTAINER_NS, NEIGHBOUR_NS, HOST_NS]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  });

  it('without the rules, the container cannot reach the proxy at the metadata address but a neighbour reaches the port', async () => {
    assert.notEqual(await getFrom(CONTAINER_NS, 'http://169.254.169.254/latest/meta-data/'), 'proxy saw 172.17.0.2');
    assert.equal(await getFrom(NEIGHBOUR_NS, `http://10.9.0.1:${PORT}/`), 'proxy saw 10.9.0.2');
  });

  it('--apply twice leaves exactly one DNAT rule and one set of INPUT rules', async () => {
    assert.equal(await runIptablesCommand(['--apply'], {}, io, hostRun), 0);
    assert.equal(await runIptablesCommand(['--apply'], {}, io, hostRun), 0);
    assert.deepEqual(await rules('nat', 'PREROUTING'), [
      '-A PREROUTING -d 169.254.169.254/32 -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.1:8000',
    ]);
    assert.deepEqual(await rules('filter', 'INPUT'), [
      '-A INPUT -i docker0 -p tcp -m tcp --dport 8000 -j ACCEPT',
      '-A INPUT -i lo -p tcp -m tcp --dport 8000 -j ACCEPT',
      '-A INPUT -p tcp -m tcp --dport 8000 -j DROP',
    ]);
  });

  it('the container now reaches the proxy at 169.254.169.254; the neighbour is dropped; loopback still works', async () => {
    assert.equal(await getFrom(CONTAINER_NS, 'http://169.254.169.254/latest/meta-data/'), 'proxy saw 172.17.0.2');
    assert.equal(await getFrom(NEIGHBOUR_NS, `http://10.9.0.1:${PORT}/`), 'TIMEOUT');
    assert.equal(await getFrom(HOST_NS, `http://127.0.0.1:${PORT}/`), 'proxy saw 127.0.0.1');
  });

  it('--remove leaves none', async () => {
    assert.equal(await runIptablesCommand(['--remove'], {}, io, hostRun), 0);
    assert.deepEqual(await rules('nat', 'PREROUTING'), []);
    assert.deepEqual(await rules('filter', 'INPUT'), []);
    assert.equal(await getFrom(NEIGHBOUR_NS, `http://10.9.0.1:${PORT}/`), 'proxy saw 10.9.0.2');
  });

  it('--route-localnet: DNAT to 127.0.0.1 works once route_localnet is set, in the namespace only', async () => {
    const hostValue = readFileSync('/proc/sys/net/ipv4/conf/all/route_localnet', 'utf8').trim();
    assert.equal(await runIptablesCommand(['--apply', '--route-localnet'], {}, io, hostRun), 0);
    assert.equal(sysctl(HOST_NS, 'net.ipv4.conf.docker0.route_localnet'), '1');
    assert.equal(readFileSync('/proc/sys/net/ipv4/conf/all/route_localnet', 'utf8').trim(), hostValue, "the machine's own setting is untouched");
    assert.deepEqual(await rules('nat', 'PREROUTING'), [
      '-A PREROUTING -d 169.254.169.254/32 -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:8000',
    ]);
    assert.equal(await getFrom(CONTAINER_NS, 'http://169.254.169.254/latest/meta-data/'), 'proxy saw 172.17.0.2');
    assert.equal(await runIptablesCommand(['--remove', '--route-localnet'], {}, io, hostRun), 0);
    assert.deepEqual(await rules('nat', 'PREROUTING'), []);
    assert.deepEqual(await rules('filter', 'INPUT'), []);
  });

  it('--ipv6: the container reaches the proxy at [fd00:ec2::254] through ip6tables; the IPv6 neighbour is dropped; --remove undoes it', async () => {
    const v6 = ['--ipv6', '-i', 'docker0'];
    assert.notEqual(await getFrom(CONTAINER_NS, 'http://[fd00:ec2::254]/latest/meta-data/'), 'proxy saw fd00:d0c::2', 'precondition: no rule yet');
    assert.equal(await getFrom(NEIGHBOUR_NS, `http://[fd00:9::1]:${PORT}/`), 'proxy saw fd00:9::2');
    assert.equal(await runIptablesCommand(['--apply', ...v6], { HOST: '::' }, io, hostRun), 0);
    assert.deepEqual(await rules('nat', 'PREROUTING', 'ip6tables'), [
      '-A PREROUTING -d fd00:ec2::254/128 -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination [fd00:d0c::1]:8000',
    ]);
    assert.equal(await getFrom(CONTAINER_NS, 'http://[fd00:ec2::254]/latest/meta-data/'), 'proxy saw fd00:d0c::2');
    assert.equal(await getFrom(CONTAINER_NS, 'http://169.254.169.254/latest/meta-data/'), 'proxy saw 172.17.0.2');
    assert.equal(await getFrom(NEIGHBOUR_NS, `http://[fd00:9::1]:${PORT}/`), 'TIMEOUT');
    assert.equal(await getFrom(HOST_NS, `http://[::1]:${PORT}/`), 'proxy saw ::1');
    assert.equal(await runIptablesCommand(['--remove', ...v6], { HOST: '::' }, io, hostRun), 0);
    assert.deepEqual(await rules('nat', 'PREROUTING', 'ip6tables'), []);
    assert.deepEqual(await rules('filter', 'INPUT', 'ip6tables'), []);
    assert.deepEqual(await rules('nat', 'PREROUTING'), []);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runIptablesCommand } from '../../src/commands/iptables.js';
import type { CommandRunner } from '../../src/commands/io.js';

/** iptables, ip and sysctl as far as the command uses them, over in-memory chains; records every argv. */
function fakeHost(addresses: Record<string, string> = { docker0: '172.17.0.1' }, addresses6: Record<string, string> = { docker0: 'fd00:d0c::1' }) {
  const chains: Record<string, string[]> = { 'nat PREROUTING': [], 'filter INPUT': [], 'nat6 PREROUTING': [], 'filter6 INPUT': [] };
  const calls: string[][] = [];
  const sysctls: string[] = [];
  const run: CommandRunner = async (argv) => {
    calls.push([...argv]);
    const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
    const fail = (stderr: string) => ({ code: 1, stdout: '', stderr });
    if (argv[0] === 'ip' && argv[1] === '-6') {
      assert.deepEqual(argv.slice(-2), ['scope', 'global'], 'never a link-local address');
      const iface = argv.at(-3)!;
      return iface in addresses6 ? ok(`5: ${iface}    inet6 ${addresses6[iface]}/64 scope global \\       valid_lft forever\n`) : ok('');
    }
    if (argv[0] === 'ip') {
      const iface = argv.at(-1)!;
      return iface in addresses ? ok(`5: ${iface}    inet ${addresses[iface]}/16 brd 172.17.255.255 scope global ${iface}\\       valid_lft forever\n`) : fail(`Device "${iface}" does not exist.`);
    }
    if (argv[0] === 'sysctl') {
      sysctls.push(argv[2]!);
      return ok();
    }
    assert.ok(['iptables', 'ip6tables'].includes(argv[0]!));
    assert.deepEqual(argv.slice(1, 3), ['-w', '-t'], 'every iptables call waits for the xtables lock');
    const [table, action, chain] = [argv[3]!, argv[4]!, argv[5]!];
    const rules = chains[`${table}${argv[0] === 'ip6tables' ? '6' : ''} ${chain}`]!;
    const positional = action === '-I';
    const spec = argv.slice(positional ? 7 : 6).join(' ');
    const index = rules.indexOf(spec);
    switch (action) {
      case '-C':
        return index >= 0 ? ok() : fail('iptables: Bad rule (does a matching rule exist in that chain?).');
      case '-A':
        rules.push(spec);
        return ok();
      case '-I':
        rules.splice(Number(argv[6]) - 1, 0, spec);
        return ok();
      case '-D':
        if (index < 0) return fail('iptables: Bad rule');
        rules.splice(index, 1);
        return ok();
    }
    return fail(`unexpected ${argv.join(' ')}`);
  };
  return { run, chains, calls, sysctls };
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), readFile: () => assert.fail('no config file') },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

const dnat = (iface: string, to: string) => `-i ${iface} -p tcp -d 169.254.169.254 --dport 80 -j DNAT --to-destination ${to}`;
/** The INPUT block for these interfaces, in order: accepts (lo last), then the drop. */
const inputRules = (interfaces: string[], port: number) => [
  ...[...interfaces, 'lo'].map((iface) => `-i ${iface} -p tcp --dport ${port} -j ACCEPT`),
  `-p tcp --dport ${port} -j DROP`,
];
const DNAT_DOCKER0 = dnat('docker0', '172.17.0.1:8000');
const INPUT_DOCKER0 = inputRules(['docker0'], 8000);

describe('metadataproxy iptables', () => {
  it('prints the rules by default, with the target chosen and why, changing nothing', async () => {
    const host = fakeHost();
    const { io, out } = captureIo();
    assert.equal(await runIptablesCommand([], {}, io, host.run), 0);
    assert.equal(
      out(),
      [
        "# docker0: DNAT to 172.17.0.1:8000, docker0's own address (a DNAT to 127.0.0.1 would be dropped unless route_localnet=1; --route-localnet does that).",
        '# INPUT: port 8000 is accepted from docker0 and lo, and dropped from anywhere else (other hosts cannot use the proxy).',
        `iptables -w -t nat -A PREROUTING ${DNAT_DOCKER0}`,
        `iptables -w -t filter -I INPUT 1 ${INPUT_DOCKER0[0]}`,
        `iptables -w -t filter -I INPUT 2 ${INPUT_DOCKER0[1]}`,
        `iptables -w -t filter -I INPUT 3 ${INPUT_DOCKER0[2]}`,
        '',
      ].join('\n'),
    );
    // docker_gwbridge is looked for (a swarm node has it) and, missing here, left out.
    assert.deepEqual(host.calls, [
      ['ip', '-4', '-o', 'addr', 'show', 'dev', 'docker_gwbridge'],
      ['ip', '-4', '-o', 'addr', 'show', 'dev', 'docker0'],
    ]);
  });

  it('covers docker_gwbridge by default on a swarm node, and with -i docker_gwbridge anywhere', async () => {
    const swarmNode = fakeHost({ docker0: '172.17.0.1', docker_gwbridge: '172.18.0.1' });
    assert.equal(await runIptablesCommand(['--apply'], {}, captureIo().io, swarmNode.run), 0);
    assert.deepEqual(swarmNode.chains['nat PREROUTING'], [DNAT_DOCKER0, dnat('docker_gwbridge', '172.18.0.1:8000')]);
    assert.deepEqual(swarmNode.chains['filter INPUT'], inputRules(['docker0', 'docker_gwbridge'], 8000));
    const explicit = fakeHost({ docker0: '172.17.0.1', docker_gwbridge: '172.18.0.1' });
    assert.equal(await runIptablesCommand(['--apply', '-i', 'docker_gwbridge'], {}, captureIo().io, explicit.run), 0);
    assert.deepEqual(explicit.chains['nat PREROUTING'], [dnat('docker_gwbridge', '172.18.0.1:8000')]);
  });

  it('with CONTAINER_CREDENTIALS_PORT: 169.254.170.2:80 and 169.254.170.23:80 go to that port, which INPUT guards too; --remove takes it all away', async () => {
    const host = fakeHost();
    const env = { CONTAINER_CREDENTIALS_PORT: '8002' };
    const { io, out } = captureIo();
    assert.equal(await runIptablesCommand(['--apply'], env, io, host.run), 0);
    const ecs = '-i docker0 -p tcp -d 169.254.170.2 --dport 80 -j DNAT --to-destination 172.17.0.1:8002';
    const eks = '-i docker0 -p tcp -d 169.254.170.23 --dport 80 -j DNAT --to-destination 172.17.0.1:8002';
    assert.deepEqual(host.chains['nat PREROUTING'], [DNAT_DOCKER0, ecs, eks]);
    assert.deepEqual(host.chains['filter INPUT'], [
      '-i docker0 -p tcp --dport 8000 -j ACCEPT',
      '-i docker0 -p tcp --dport 8002 -j ACCEPT',
      '-i lo -p tcp --dport 8000 -j ACCEPT',
      '-i lo -p tcp --dport 8002 -j ACCEPT',
      '-p tcp --dport 8000 -j DROP',
      '-p tcp --dport 8002 -j DROP',
    ]);
    assert.match(out(), /169\.254\.170\.2:80 and 169\.254\.170\.23:80 \(container credentials\) go to port 8002/);
    assert.equal(await runIptablesCommand(['--remove'], env, captureIo().io, host.run), 0);
    assert.deepEqual(host.chains['nat PREROUTING'], []);
    assert.deepEqual(host.chains['filter INPUT'], []);
  });

  it('--apply adds each rule once; a second --apply changes nothing', async () => {
    const host = fakeHost();
    assert.equal(await runIptablesCommand(['--apply'], {}, captureIo().io, host.run), 0);
    assert.deepEqual(host.chains['nat PREROUTING'], [DNAT_DOCKER0]);
    assert.deepEqual(host.chains['filter INPUT'], INPUT_DOCKER0);
    const before = host.calls.length;
    const second = captureIo();
    assert.equal(await runIptablesCommand(['--apply'], {}, second.io, host.run), 0);
    assert.deepEqual(host.chains['nat PREROUTING'], [DNAT_DOCKER0]);
    assert.deepEqual(host.chains['filter INPUT'], INPUT_DOCKER0);
    assert.ok(host.calls.slice(before).every((argv) => argv[0] === 'ip' || argv[4] === '-C'), 'only checks the second time');
    assert.match(second.out(), /present: -t nat PREROUTING/);
  });

  it('--apply puts the INPUT rules at the top of the chain, accepts before the drop, above existing rules', async () => {
    const host = fakeHost();
    host.chains['filter INPUT'] = ['-j ACCEPT'];
    await runIptablesCommand(['--apply'], {}, captureIo().io, host.run);
    assert.deepEqual(host.chains['filter INPUT'], [...INPUT_DOCKER0, '-j ACCEPT']);
  });

  it('--apply repairs a partial set: the drop never ends up above an accept', async () => {
    const host = fakeHost();
    host.chains['filter INPUT'] = ['-j LOG', INPUT_DOCKER0[0]!];
    await runIptablesCommand(['--apply'], {}, captureIo().io, host.run);
    assert.deepEqual(host.chains['filter INPUT'], [...INPUT_DOCKER0, '-j LOG']);
  });

  it('--remove deletes every copy of every rule, and nothing else', async () => {
    const host = fakeHost();
    host.chains['nat PREROUTING'] = [DNAT_DOCKER0, '-j OTHER', DNAT_DOCKER0];
    host.chains['filter INPUT'] = [...INPUT_DOCKER0, '-j ACCEPT'];
    assert.equal(await runIptablesCommand(['--remove'], {}, captureIo().io, host.run), 0);
    assert.deepEqual(host.chains['nat PREROUTING'], ['-j OTHER']);
    assert.deepEqual(host.chains['filter INPUT'], ['-j ACCEPT']);
  });

  it('takes several interfaces, --port, and PORT from the settings', async () => {
    const host = fakeHost({ docker0: '172.17.0.1', br0: '172.18.0.1' });
    await runIptablesCommand(['--apply', '-i', 'docker0', '--interface', 'br0', '--port', '9000'], {}, captureIo().io, host.run);
    assert.deepEqual(host.chains['nat PREROUTING'], [dnat('docker0', '172.17.0.1:9000'), dnat('br0', '172.18.0.1:9000')]);
    assert.deepEqual(host.chains['filter INPUT'], inputRules(['docker0', 'br0'], 9000));
    const fromEnv = fakeHost();
    await runIptablesCommand(['--apply'], { PORT: '45001' }, captureIo().io, fromEnv.run);
    assert.match(fromEnv.chains['nat PREROUTING']![0]!, /--to-destination 172\.17\.0\.1:45001$/);
  });

  it('--route-localnet: sets route_localnet, DNATs to 127.0.0.1 and keeps the interface off other loopback services', async () => {
    const host = fakeHost();
    const { io, out } = captureIo();
    await runIptablesCommand(['--apply', '--route-localnet', '-i', 'docker0', '-i', 'br-+'], { HOST: '127.0.0.1' }, io, host.run);
    assert.deepEqual(host.sysctls, ['net.ipv4.conf.docker0.route_localnet=1', 'net.ipv4.conf.all.route_localnet=1']);
    assert.deepEqual(host.chains['nat PREROUTING'], [dnat('docker0', '127.0.0.1:8000'), dnat('br-+', '127.0.0.1:8000')]);
    assert.deepEqual(host.chains['filter INPUT'], [
      ...inputRules(['docker0', 'br-+'], 8000),
      '-i docker0 -d 127.0.0.0/8 -j DROP',
      '-i br-+ -d 127.0.0.0/8 -j DROP',
    ]);
    assert.match(out(), /docker0: DNAT to 127\.0\.0\.1:8000 with net\.ipv4\.conf\.docker0\.route_localnet=1: without it the kernel drops/);
    assert.ok(!host.calls.some((argv) => argv[0] === 'ip'), 'no address lookup needed');
  });

  it('--to sends every interface, wildcards included, to an explicit address', async () => {
    const host = fakeHost();
    await runIptablesCommand(['--apply', '-i', 'br-+', '--to', '172.17.0.1'], {}, captureIo().io, host.run);
    assert.deepEqual(host.chains['nat PREROUTING'], [dnat('br-+', '172.17.0.1:8000')]);
  });

  it('warns when the proxy does not listen on the DNAT target', async () => {
    const { io, out } = captureIo();
    await runIptablesCommand([], { HOST: '127.0.0.1' }, io, fakeHost().run);
    assert.match(out(), /# warning: the proxy listens on 127\.0\.0\.1 \(HOST\), not on 172\.17\.0\.1: set HOST=0\.0\.0\.0 or add 172\.17\.0\.1 to HOST/);
  });

  it('--ipv6: dry-run shows the iptables and the ip6tables rules, each INPUT block at the top of its own chain', async () => {
    const host = fakeHost();
    const { io, out } = captureIo();
    assert.equal(await runIptablesCommand(['--ipv6'], { HOST: '::' }, io, host.run), 0);
    const dnat6 = '-i docker0 -p tcp -d fd00:ec2::254 --dport 80 -j DNAT --to-destination [fd00:d0c::1]:8000';
    assert.equal(
      out(),
      [
        "# docker0: DNAT to 172.17.0.1:8000, docker0's own address (a DNAT to 127.0.0.1 would be dropped unless route_localnet=1; --route-localnet does that).",
        "# docker0: IPv6 DNAT from fd00:ec2::254 to [fd00:d0c::1]:8000, docker0's own address (IPv6 has no route_localnet: never to ::1).",
        '# INPUT: port 8000 is accepted from docker0 and lo, and dropped from anywhere else (other hosts cannot use the proxy).',
        '# INPUT over IPv6 (ip6tables): port 8000 is accepted from docker0 and lo, and dropped from anywhere else (other hosts cannot use the proxy).',
        `iptables -w -t nat -A PREROUTING ${DNAT_DOCKER0}`,
        // Quoted: brackets are a glob to the shell.
        `ip6tables -w -t nat -A PREROUTING ${dnat6.replace(/\[.*$/, (target) => `'${target}'`)}`,
        ...INPUT_DOCKER0.map((rule, i) => `iptables -w -t filter -I INPUT ${i + 1} ${rule}`),
        ...INPUT_DOCKER0.map((rule, i) => `ip6tables -w -t filter -I INPUT ${i + 1} ${rule}`),
        '',
      ].join('\n'),
    );
    assert.ok(host.calls.every((argv) => argv[0] === 'ip'), 'a dry run changes nothing');
  });

  it('--ipv6 --apply twice: one set of rules per family; --remove takes both away', async () => {
    const host = fakeHost({ docker0: '172.17.0.1', br0: '172.18.0.1' }, { docker0: 'fd00:d0c::1', br0: 'fd00:b0::1' });
    for (let i = 0; i < 2; i++) assert.equal(await runIptablesCommand(['--apply', '--ipv6', '-i', 'docker0', '-i', 'br0'], { HOST: '::' }, captureIo().io, host.run), 0);
    const dnat6 = (iface: string, to: string) => `-i ${iface} -p tcp -d fd00:ec2::254 --dport 80 -j DNAT --to-destination ${to}`;
    assert.deepEqual(host.chains['nat6 PREROUTING'], [dnat6('docker0', '[fd00:d0c::1]:8000'), dnat6('br0', '[fd00:b0::1]:8000')]);
    assert.deepEqual(host.chains['filter6 INPUT'], inputRules(['docker0', 'br0'], 8000));
    assert.deepEqual(host.chains['nat PREROUTING'], [DNAT_DOCKER0, dnat('br0', '172.18.0.1:8000')]);
    assert.deepEqual(host.chains['filter INPUT'], inputRules(['docker0', 'br0'], 8000));
    assert.equal(await runIptablesCommand(['--remove', '--ipv6', '-i', 'docker0', '-i', 'br0'], {}, captureIo().io, host.run), 0);
    for (const rules of Object.values(host.chains)) assert.deepEqual(rules, []);
  });

  it('--ipv6 --to6 sends wildcards to one address; route_localnet stays an IPv4 matter', async () => {
    const host = fakeHost();
    await runIptablesCommand(['--apply', '--ipv6', '--route-localnet', '--to6', 'fd00:d0c::1', '-i', 'br-+'], { HOST: '127.0.0.1,fd00:d0c::1' }, captureIo().io, host.run);
    assert.deepEqual(host.chains['nat6 PREROUTING'], ['-i br-+ -p tcp -d fd00:ec2::254 --dport 80 -j DNAT --to-destination [fd00:d0c::1]:8000']);
    assert.deepEqual(host.chains['filter6 INPUT'], inputRules(['br-+'], 8000), 'no 127.0.0.0/8 rule in ip6tables');
    assert.deepEqual(host.chains['nat PREROUTING'], [dnat('br-+', '127.0.0.1:8000')]);
  });

  it('--ipv6 with CONTAINER_CREDENTIALS_PORT: ip6tables sends fd00:ec2::23:80 (EKS) to that port too', async () => {
    const host = fakeHost();
    assert.equal(await runIptablesCommand(['--apply', '--ipv6', '--to6', 'fd00:d0c::1'], { HOST: '::', CONTAINER_CREDENTIALS_PORT: '8002' }, captureIo().io, host.run), 0);
    assert.deepEqual(host.chains['nat6 PREROUTING'], [
      '-i docker0 -p tcp -d fd00:ec2::254 --dport 80 -j DNAT --to-destination [fd00:d0c::1]:8000',
      '-i docker0 -p tcp -d fd00:ec2::23 --dport 80 -j DNAT --to-destination [fd00:d0c::1]:8002',
    ]);
    assert.ok(host.chains['filter6 INPUT']!.includes('-p tcp --dport 8002 -j DROP'));
  });

  it('--ipv6 warns when HOST has no IPv6 address for the target', async () => {
    const { io, out } = captureIo();
    await runIptablesCommand(['--ipv6'], {}, io, fakeHost().run);
    assert.match(out(), /# warning: the proxy listens on 0\.0\.0\.0 \(HOST\), not on fd00:d0c::1: set HOST=:: \(both families\) or add fd00:d0c::1 to HOST/);
    assert.doesNotMatch(out(), /not on 172\.17\.0\.1/);
  });

  for (const [args, message] of [
    [['-i', 'br-+'], /^--interface br-\+: a wildcard matches bridges with different addresses; give --to ADDR/],
    [['--to', '127.0.0.1'], /^--to 127\.0\.0\.1: a DNAT to loopback is dropped unless route_localnet=1 on docker0; add --route-localnet/],
    [['-i', 'eth9'], /^--interface eth9: no IPv4 address found on it/],
    [['--apply', '--remove'], /^--apply and --remove: give one of them/],
    [['-i', 'bad name!'], /^--interface bad name!: expected an interface name/],
    [['--to', 'example.com'], /^--to example\.com: expected an IPv4 address/],
    [['--to', '172.17.0.1', '--route-localnet'], /^--to 172\.17\.0\.1 and --route-localnet: contradictory \(--route-localnet means DNAT to 127\.0\.0\.1\); give one of them/],
    [['--port', '0'], /^PORT: the rules need a fixed proxy port/],
    [['--ipv6', '-i', 'br-+', '--to', '172.17.0.1'], /^--interface br-\+: with --ipv6 a wildcard matches bridges with different addresses; give --to6 ADDR/],
    [['--ipv6', '-i', 'eth9', '--to', '172.17.0.1'], /^--interface eth9: no global IPv6 address found on it/],
    [['--to6', 'fd00:d0c::1'], /^--to6 fd00:d0c::1: the IPv6 rules need --ipv6/],
    [['--ipv6', '--to6', '::1'], /^--to6 ::1: expected an IPv6 address of this host/],
    [['--bogus'], /^--bogus: unknown option/],
  ] as const) {
    it(`refuses ${args.join(' ')} with one clear line and exit 2, running nothing`, async () => {
      const host = fakeHost();
      const { io, err } = captureIo();
      assert.equal(await runIptablesCommand(args, {}, io, host.run), 2);
      assert.match(err(), message);
      assert.ok(host.calls.every((argv) => argv[0] === 'ip'));
    });
  }

  it('reports a failing iptables call with its own message and exit 1', async () => {
    const host = fakeHost();
    const failing: CommandRunner = async (argv) => (argv[4] === '-A' ? { code: 4, stdout: '', stderr: 'iptables v1.8.9: Permission denied (you must be root)' } : host.run(argv));
    const { io, err } = captureIo();
    assert.equal(await runIptablesCommand(['--apply'], {}, io, failing), 1);
    assert.match(err(), /failed \(exit 4\): iptables -w -t nat -A PREROUTING .*\nPermission denied|Permission denied \(you must be root\)/);
  });
});

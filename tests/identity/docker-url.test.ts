import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerEndpoint } from '../../src/config/docker-endpoint.js';
import { createDockerClient } from '../../src/identity/docker/docker-url.js';

test('unix sockets, including the lyft default without the third slash', () => {
  assert.deepEqual(parseDockerEndpoint('unix:///var/run/docker.sock'), { socketPath: '/var/run/docker.sock' });
  assert.deepEqual(parseDockerEndpoint('unix://var/run/docker.sock'), { socketPath: '/var/run/docker.sock' });
  assert.deepEqual(parseDockerEndpoint('/run/user/1000/docker.sock'), { socketPath: '/run/user/1000/docker.sock' });
});

test('tcp, http and https endpoints with the engine default ports', () => {
  assert.deepEqual(parseDockerEndpoint('tcp://10.0.0.1:2375'), { host: '10.0.0.1', port: 2375, protocol: 'http' });
  assert.deepEqual(parseDockerEndpoint('tcp://docker.internal'), { host: 'docker.internal', port: 2375, protocol: 'http' });
  assert.deepEqual(parseDockerEndpoint('http://localhost:8080/'), { host: 'localhost', port: 8080, protocol: 'http' });
  assert.deepEqual(parseDockerEndpoint('https://docker.internal'), { host: 'docker.internal', port: 2376, protocol: 'https' });
  assert.deepEqual(parseDockerEndpoint('tcp://[::1]:2375'), { host: '::1', port: 2375, protocol: 'http' });
});

test('anything else is refused', () => {
  for (const bad of ['unix://', 'ftp://host', 'tcp://host:2375/api', 'docker.sock', 'tcp://', '']) {
    assert.equal(parseDockerEndpoint(bad), undefined, bad);
  }
});

test('the client uses the configured socket even when DOCKER_HOST says otherwise', () => {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = 'tcp://elsewhere:2375';
  try {
    const modem = createDockerClient('unix:///tmp/test-docker.sock').modem as { socketPath?: string; host?: string };
    assert.equal(modem.socketPath, '/tmp/test-docker.sock');
    assert.equal(modem.host, undefined);
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
});

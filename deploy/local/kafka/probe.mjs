// Dependency-free Kafka health probe used by deploy/local/services.sh.
// Sends a real ApiVersions (v0) request and then a Metadata (v4) request to
// one broker and exits 0 only when the broker answers both without error and
// reports at least one live broker. Usage: node probe.mjs 127.0.0.1:9092
import net from 'node:net';

const [host, portText] = (process.argv[2] ?? '127.0.0.1:9092').split(':');
const port = Number(portText);
const CLIENT_ID = 'hourglass-services-probe';

function request(socket, apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from(CLIENT_ID);
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  socket.write(Buffer.concat([size, header, body]));
}

function readFrames(socket, onFrame) {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) return;
      onFrame(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
    }
  });
}

function fail(message) {
  console.error(`kafka probe ${host}:${port}: ${message}`);
  process.exit(1);
}

const timer = setTimeout(() => fail('timed out after 5s'), 5000);
const socket = net.connect({ host, port });
socket.on('error', (error) => fail(error.message));
socket.on('connect', () => request(socket, 18, 0, 1, Buffer.alloc(0)));

let apiCount = 0;
readFrames(socket, (frame) => {
  const correlationId = frame.readInt32BE(0);
  if (correlationId === 1) {
    const errorCode = frame.readInt16BE(4);
    if (errorCode !== 0) fail(`ApiVersions error code ${errorCode}`);
    apiCount = frame.readInt32BE(6);
    let metadataRange = null;
    for (let i = 0, at = 10; i < apiCount; i += 1, at += 6) {
      if (frame.readInt16BE(at) === 3) metadataRange = [frame.readInt16BE(at + 2), frame.readInt16BE(at + 4)];
    }
    if (!metadataRange || metadataRange[0] > 4 || metadataRange[1] < 4) {
      fail(`broker does not support Metadata v4 (range ${JSON.stringify(metadataRange)})`);
    }
    const body = Buffer.alloc(5);
    body.writeInt32BE(-1, 0); // all topics
    body.writeInt8(0, 4); // allow_auto_topic_creation = false
    request(socket, 3, 4, 2, body);
    return;
  }
  let at = 4 + 4; // correlation id, throttle_time_ms
  const brokerCount = frame.readInt32BE(at);
  at += 4;
  const brokers = [];
  for (let i = 0; i < brokerCount; i += 1) {
    const nodeId = frame.readInt32BE(at);
    const hostLength = frame.readInt16BE(at + 4);
    const brokerHost = frame.toString('utf8', at + 6, at + 6 + hostLength);
    at += 6 + hostLength;
    const brokerPort = frame.readInt32BE(at);
    const rackLength = frame.readInt16BE(at + 4);
    at += 6 + Math.max(rackLength, 0);
    brokers.push(`${nodeId}@${brokerHost}:${brokerPort}`);
  }
  const clusterIdLength = frame.readInt16BE(at);
  const clusterId = clusterIdLength < 0 ? null : frame.toString('utf8', at + 2, at + 2 + clusterIdLength);
  at += 2 + Math.max(clusterIdLength, 0);
  const controllerId = frame.readInt32BE(at);
  if (brokers.length === 0) fail('metadata lists no live broker yet');
  clearTimeout(timer);
  console.log(
    `kafka ${host}:${port} answers: cluster ${clusterId}, brokers ${brokers.join(',')}, controller ${controllerId}, ${apiCount} APIs`,
  );
  socket.end();
  process.exit(0);
});

// The serving bench's baseline: a bare fastify echo route, nothing else, in its own process like
// the model server. Prints "listening on URL" once bound to 127.0.0.1.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/echo', async (request) => request.body);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on http://127.0.0.1:${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));

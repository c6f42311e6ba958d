import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BlobDeclare, BlobList, BlobListQuery, BlobStatus, ChunkParams, MAX_CHUNK_BYTES } from '../../src/protocol/blobs';
import { Uuid } from '../../src/protocol/common';
import { answer, badRequest, parseOr400 } from '../errors';
import { deviceOf } from '../plugins/device-auth';

const BlobParams = z.object({ id: Uuid });

/** Attachment ciphertext: declare, status, chunks up and down, list of complete blobs. */
export async function blobRoutes(app: FastifyInstance): Promise<void> {
  const { blobs } = app.services;
  const auth = { preHandler: app.requireDevice };

  app.put('/blobs/:id', auth, async (request) => {
    const { id } = parseOr400(BlobParams, request.params, 'params');
    const body = parseOr400(BlobDeclare, request.body, 'body');
    return answer(BlobStatus, await blobs.declare(deviceOf(request), id, body));
  });

  app.get('/blobs/:id', auth, async (request) => {
    const { id } = parseOr400(BlobParams, request.params, 'params');
    return answer(BlobStatus, await blobs.status(deviceOf(request), id));
  });

  app.put('/blobs/:id/chunks/:index', { ...auth, bodyLimit: MAX_CHUNK_BYTES }, async (request, reply) => {
    const { id, index } = parseOr400(ChunkParams, request.params, 'params');
    if (!Buffer.isBuffer(request.body)) throw badRequest('body: expected application/octet-stream bytes');
    await blobs.putChunk(deviceOf(request), id, index, request.body);
    return reply.code(204).send();
  });

  app.get('/blobs/:id/chunks/:index', auth, async (request, reply) => {
    const { id, index } = parseOr400(ChunkParams, request.params, 'params');
    const data = await blobs.getChunk(deviceOf(request), id, index);
    return reply.type('application/octet-stream').send(data);
  });

  app.get('/blobs', auth, async (request) => {
    const q = parseOr400(BlobListQuery, request.query, 'query');
    return answer(BlobList, await blobs.list(deviceOf(request), q.after, q.limit));
  });
}

import type { FastifyInstance } from 'fastify';
import { HealthResponse } from '../../src/protocol/common';
import { answer } from '../errors';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', async () => answer(HealthResponse, { ok: true }));
}

/** A thread of a parallel FILES() load (csv-pool.ts): blocks in, routed segment lines out. */
import { parentPort, workerData } from 'node:worker_threads';
import { type Block, BlockRouter, type BlockSetup } from './csv-block.ts';

const router = new BlockRouter(workerData as BlockSetup);
parentPort!.on('message', (block: Block) => parentPort!.postMessage(router.route(block)));

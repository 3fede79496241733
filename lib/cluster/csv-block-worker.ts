/** A thread of a parallel FILES() load (csv-pool.ts): blocks in, routed segment lines out. */
import { parentPort, workerData } from 'node:worker_threads';
import { type Block, BlockRouter, type BlockSetup } from './csv-block.ts';

const router = new BlockRouter(workerData as BlockSetup);
parentPort!.on('message', (block: Block) => {
  const result = router.route(block);
  // The buckets' bytes are moved to the loading thread, not copied.
  parentPort!.postMessage(result, result.ok ? result.buckets.map(([, , text]) => text.buffer as ArrayBuffer) : []);
});

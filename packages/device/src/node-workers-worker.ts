/**
 * The script of a matching worker thread of `@bluezone/device/node-workers`: answers each
 * message of the pool, in order, with {@link handleWorkerMessage}.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { handleWorkerMessage } from './node-workers-handler.js';
import type { ToWorker } from './node-workers-messages.js';

const port = parentPort;
if (port === null) throw new Error('node-workers-worker.js runs as a worker thread of the matching pool');
port.on('message', (message: ToWorker) => port.postMessage(handleWorkerMessage(message)));

// One thread of a run split across threads on the page: a Web Worker the simulation worker starts
// (simulationApi.ts's webThreadHost), handed its init message once, which runs the core's thread
// body (src/core/parallel/threadBody.ts) with the scenario layer's validator until it is stopped.
import { runThread, type ThreadInit } from '../src/core/parallel/threadBody.js';
import { validateScenario } from '../src/scenario/scenario.js';

self.addEventListener('message', (event: MessageEvent<ThreadInit>) => runThread(event.data, validateScenario, (message) => self.postMessage(message)), { once: true });

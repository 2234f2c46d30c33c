// The bench worker: voltage-clamp families and phase planes beside the simulation worker (see benchApi.ts).
import { expose } from 'comlink';
import { createBenchApi } from './benchApi.js';

expose(createBenchApi());

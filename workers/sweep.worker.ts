// The sweep worker: f-I sweeps and fits beside the simulation worker (see sweepApi.ts).
import { expose } from 'comlink';
import { createSweepApi } from './sweepApi.js';

expose(createSweepApi());

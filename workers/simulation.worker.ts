// The simulation worker: exposes the core through comlink and nothing else (see simulationApi.ts).
import { expose } from 'comlink';
import { createSimulationApi } from './simulationApi.js';

expose(createSimulationApi());

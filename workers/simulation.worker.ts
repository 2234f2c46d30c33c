// The simulation worker: exposes the Experiment adapter (simulationApi.ts) through comlink and nothing else.
import { expose } from 'comlink';
import { createSimulationApi } from './simulationApi.js';

expose(createSimulationApi());

// The ANN worker: the small classifier's training and its spiking run beside the simulation (see annApi.ts).
import { expose } from 'comlink';
import { createAnnApi } from './annApi.js';

expose(createAnnApi());

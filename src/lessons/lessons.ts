// The lessons shipped in models/lessons/, in teaching order.
import threshold from '../../models/lessons/1-threshold.json';
import refractoriness from '../../models/lessons/2-refractoriness.json';
import typeIandII from '../../models/lessons/3-type-i-ii.json';
import actionPotential from '../../models/lessons/4-action-potential.json';
import noiseSigmoid from '../../models/lessons/5-noise-sigmoid.json';
import eiBalance from '../../models/lessons/6-ei-balance.json';
import annUnit from '../../models/lessons/7-ann-unit.json';
import voltageClamp from '../../models/lessons/8-voltage-clamp.json';
import phasePlane from '../../models/lessons/9-phase-plane.json';
import ionsRest from '../../models/lessons/10-ions-rest.json';
import neuronToNetwork from '../../models/lessons/11-neuron-to-network.json';
import synapseEI from '../../models/lessons/12-synapse-e-i.json';
import summation from '../../models/lessons/13-summation.json';

export const LESSONS: readonly unknown[] = Object.freeze([threshold, refractoriness, typeIandII, actionPotential, noiseSigmoid, eiBalance, annUnit, voltageClamp, phasePlane, ionsRest, neuronToNetwork, synapseEI, summation]);

# Brian2 (Debian python3-brian 2.5.1, /usr/bin/python3) on SpikeBridge's COBA preset definitions
# (models/scenarios/coba.json, models/lif_exp_conductance.json). Run by hand:
#   /usr/bin/python3 tests/reference/brian2/coba.py > tests/reference/brian2/coba.json
# The test compares SpikeBridge's rates with the numbers this wrote; it does not need Brian2.
import json
from brian2 import *
prefs.codegen.target = 'cython'
taum = 20*ms; taue = 5*ms; taui = 10*ms; Vt = -50*mV; Vr = -60*mV; El = -60*mV; Ee = 0*mV; Ei = -80*mV
we = 0.6; wi = 6.7
runs = []
for s in (1, 2, 3, 4, 5, 6):
    start_scope()
    seed(s)
    eqs = '''dv/dt = (ge*(Ee-v) + gi*(Ei-v) - (v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : 1
    dgi/dt = -gi/taui : 1'''
    P = NeuronGroup(4000, eqs, threshold='v>=Vt', reset='v = Vr', refractory=5*ms, method='exponential_euler')
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 'rand() * 0.8'
    P.gi = 'rand() * 4'
    Ce = Synapses(P, P, on_pre='ge += we'); Ci = Synapses(P, P, on_pre='gi += wi')
    Ce.connect('i<3200', p=0.02); Ci.connect('i>=3200', p=0.02)
    m = SpikeMonitor(P)
    run(1*second)
    idx = np.array(m.i)
    runs.append({'seed': s, 'synapses': int(len(Ce) + len(Ci)), 'rate_hz': m.num_spikes / 4000,
                 'rate_e_hz': float(np.sum(idx < 3200)) / 3200, 'rate_i_hz': float(np.sum(idx >= 3200)) / 800})
print(json.dumps({'description': 'Brian2 2.5.1 (cython, dt 0.1 ms) on the COBA preset definitions, seeds 1-6, 1 s', 'runs': runs}, indent=1))

# Brian2's CUBA example (Brette et al. 2007), timed here for `npm run bench -- --vs-brian2`.
# `python3 brian2_cuba.py standalone|cython` prints one JSON line: run time, synapse count, mean rate.
import json, os, sys, tempfile, time
from brian2 import *

# Module-level constants: Brian2 resolves names in the namespace of the caller of run().
taum = 20*ms; taue = 5*ms; taui = 10*ms; Vt = -50*mV; Vr = -60*mV; El = -49*mV
we = (60 * 0.27 / 10) * mV
wi = (-20 * 4.5 / 10) * mV

def cuba():
    eqs = '''dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt'''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms, method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 0*mV
    P.gi = 0*mV
    Ce = Synapses(P, P, on_pre='ge += we')
    Ci = Synapses(P, P, on_pre='gi += wi')
    Ce.connect('i<3200', p=0.02)
    Ci.connect('i>=3200', p=0.02)
    s = SpikeMonitor(P)
    return P, Ce, Ci, s

mode = sys.argv[1] if len(sys.argv) > 1 else 'standalone'
out = {'mode': mode}
seed(42)
if mode == 'standalone':
    start = time.time()
    set_device('cpp_standalone', directory=os.path.join(tempfile.gettempdir(), 'spikebridge_brian2_cuba'))
    P, Ce, Ci, s = cuba()
    run(1 * second)
    out['total_s'] = time.time() - start
    out['run_s'] = device._last_run_time
else:
    prefs.codegen.target = 'cython'
    P, Ce, Ci, s = cuba()
    run(1 * ms)  # compile (or load from cache) first
    t0 = time.time()
    run(1 * second)
    out['run_s'] = time.time() - t0
out['synapses'] = int(len(Ce) + len(Ci))
out['rate_hz'] = float(s.num_spikes) / 4000
print(json.dumps(out))

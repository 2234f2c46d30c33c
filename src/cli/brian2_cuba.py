# Brian2's CUBA example (Brette et al. 2007), timed here for `npm run bench -- --vs-brian2`.
# Prints one JSON line: run times (standalone C++ and cython), synapse count, mean rate.
import json, os, tempfile, time
from brian2 import *

def cuba():
    taum = 20*ms; taue = 5*ms; taui = 10*ms; Vt = -50*mV; Vr = -60*mV; El = -49*mV
    eqs = '''dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt'''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms, method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 0*mV
    P.gi = 0*mV
    we = (60 * 0.27 / 10) * mV
    wi = (-20 * 4.5 / 10) * mV
    Ce = Synapses(P, P, on_pre='ge += we')
    Ci = Synapses(P, P, on_pre='gi += wi')
    Ce.connect('i<3200', p=0.02)
    Ci.connect('i>=3200', p=0.02)
    s = SpikeMonitor(P)
    return P, Ce, Ci, s

out = {}
start = time.time()
set_device('cpp_standalone', directory=os.path.join(tempfile.gettempdir(), 'spikebridge_brian2_cuba'))
prefs.devices.cpp_standalone.extra_compile_args_gcc = ['-O3', '-ffast-math', '-march=native']
seed(42)
P, Ce, Ci, s = cuba()
run(1 * second, profile=False)
out['standalone_total_s'] = time.time() - start
out['standalone_run_s'] = device._last_run_time
out['synapses'] = int(len(Ce) + len(Ci))
out['rate_hz'] = float(s.num_spikes) / 4000
reset_device()
device.reinit()
device.activate()
prefs.codegen.target = 'cython'
start_scope()
seed(42)
P, Ce, Ci, s = cuba()
run(1 * ms)  # compile and cache first
t0 = time.time()
run(1 * second)
out['cython_run_s'] = time.time() - t0
print(json.dumps(out))

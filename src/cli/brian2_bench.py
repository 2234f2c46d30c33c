# Brian2's CUBA and COBAHH examples (Brette et al. 2007) and full-size Brunel, timed here for `npm run bench`.
# `python3 brian2_bench.py cuba|cobahh|brunel-full standalone|cython` prints one JSON line: run time, synapse
# count, mean rate. The networks are the examples' own; only a SpikeMonitor is added for the rate.
import json, os, sys, tempfile, time
from brian2 import *

# Module-level constants: Brian2 resolves names in the namespace of the caller of run().
# CUBA
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
    return P, Ce, Ci, s, None

# COBAHH (names prefixed hh_ where CUBA uses the same name for another value)
area = 20000*umetre**2
Cm = (1*ufarad*cm**-2) * area
gl = (5e-5*siemens*cm**-2) * area
hh_El = -60*mV
EK = -90*mV
ENa = 50*mV
g_na = (100*msiemens*cm**-2) * area
g_kd = (30*msiemens*cm**-2) * area
VT = -63*mV
hh_taue = 5*ms
hh_taui = 10*ms
Ee = 0*mV
Ei = -80*mV
hh_we = 6*nS
hh_wi = 67*nS

def cobahh():
    eqs = Equations('''
    dv/dt = (gl*(hh_El-v)+ge*(Ee-v)+gi*(Ei-v)-
             g_na*(m*m*m)*h*(v-ENa)-
             g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    dge/dt = -ge*(1./hh_taue) : siemens
    dgi/dt = -gi*(1./hh_taui) : siemens
    alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
    beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    ''')
    P = NeuronGroup(4000, model=eqs, threshold='v>-20*mV', refractory=3*ms, method='exponential_euler')
    Pe = P[:3200]
    Pi = P[3200:]
    Ce = Synapses(Pe, P, on_pre='ge+=hh_we')
    Ci = Synapses(Pi, P, on_pre='gi+=hh_wi')
    Ce.connect(p=0.02)
    Ci.connect(p=0.02)
    P.v = 'hh_El + (randn() * 5 - 5)*mV'
    P.ge = '(randn() * 1.5 + 4) * 10.*nS'
    P.gi = '(randn() * 12 + 20) * 10.*nS'
    trace = StateMonitor(P, 'v', record=[1, 10, 100])
    s = SpikeMonitor(P)
    return P, Ce, Ci, s, trace

# Brunel (2000) model A at full size, as models/scenarios/brunel-full.json: 10,000 E and 2,500 I
# LIF neurons (potentials relative to rest: threshold 20 mV, reset 10 mV), J = 0.1 mV, g = 5, delay
# 1.5 ms, 1,000 Poisson inputs of 20 Hz each per neuron, 1.2 s. Brian2's connect() draws a fixed
# number per source (j='k for k in sample(...)'), not per target: each E neuron reaches 1,250
# targets and each I neuron 1,250 (12.5 M + 3.125 M synapses, as many as ours with fixed
# in-degree, so building them costs the same; in-degrees are binomial instead of fixed).
br_tau = 20*ms; br_theta = 20*mV; br_Vr = 10*mV; br_J = 0.1*mV; br_g = 5.0; br_D = 1.5*ms

def brunel_full():
    NE, NI = 10000, 2500
    P = NeuronGroup(NE + NI, 'dv/dt = -v/br_tau : volt (unless refractory)', threshold='v > br_theta',
                    reset='v = br_Vr', refractory=2*ms, method='exact')
    P.v = 0*mV
    Ce = Synapses(P[:NE], P, on_pre='v += br_J', delay=br_D)
    Ci = Synapses(P[NE:], P, on_pre='v += -br_g*br_J', delay=br_D)
    Ce.connect(j='k for k in sample(N_post, size=1250) if k != i')
    Ci.connect(j='k for k in sample(N_post, size=1250) if k != i + 10000')
    drive = PoissonInput(P, 'v', N=1000, rate=20*Hz, weight=br_J)
    s = SpikeMonitor(P)
    return P, Ce, Ci, s, drive

network = sys.argv[1] if len(sys.argv) > 1 else 'cuba'
mode = sys.argv[2] if len(sys.argv) > 2 else 'standalone'
build = {'cuba': cuba, 'cobahh': cobahh, 'brunel-full': brunel_full}[network]
out = {'network': network, 'mode': mode}
# run() simulates the Brian objects it finds as names in this module (not inside a list), so each
# is unpacked into a name of its own.
seed(42)
duration = 1.2 * second if network == 'brunel-full' else 1 * second
if mode == 'standalone':
    start = time.time()
    set_device('cpp_standalone', directory=os.path.join(tempfile.gettempdir(), 'spikebridge_brian2_' + network))
    P, Ce, Ci, s, trace = build()
    run(duration)
    out['total_s'] = time.time() - start
    out['run_s'] = device._last_run_time
else:
    prefs.codegen.target = 'cython'
    P, Ce, Ci, s, trace = build()
    run(1 * ms)  # compile (or load from cache) first
    t0 = time.time()
    run(duration)
    out['run_s'] = time.time() - t0
out['synapses'] = int(len(Ce) + len(Ci))
out['rate_hz'] = float(s.num_spikes) / len(P) / float(duration / second)
print(json.dumps(out))

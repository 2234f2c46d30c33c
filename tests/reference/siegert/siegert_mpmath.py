"""Reference values for src/bridge/siegert.ts, computed independently at high precision.

Siegert (diffusion-approximation) rate of the LIF neuron driven by white noise,
    tau dV/dt = -(V - mu) + sigma sqrt(tau) xi(t)        (Brunel 2000; free-membrane SD = sigma / sqrt 2)
    1/nu = t_ref + tau sqrt(pi) int_{(V_r - mu)/sigma}^{(V_th - mu)/sigma} exp(u^2) (1 + erf u) du
evaluated with mpmath at 40 digits: 1 + erf u is written erfc(-u) so mpmath keeps its digits for
very negative u, and mp.quad (tanh-sinh) integrates over pieces split at 0 and at unit steps.
Also erfcx(x) = exp(x^2) erfc(x) on a grid, for the scaled complementary error function.

Run:  /usr/bin/python3 tests/reference/siegert/siegert_mpmath.py > tests/reference/siegert/siegert_mpmath.json
(mpmath 1.2.1.)
"""
import json
import mpmath as mp

mp.mp.dps = 40


def integrand(u):
    return mp.exp(u * u) * mp.erfc(-u)


def integral(a, b):
    # Split so each piece is short relative to the integrand's own scale: geometric steps where
    # u < -2 (there it is ~ 1/(|u| sqrt(pi)), so bounds far out stay cheap), unit steps above.
    points = [a, b]
    x = mp.mpf(-2)
    while x > a:
        if x < b:
            points.append(x)
        x *= 1.25
    k = mp.mpf(-2)
    while k < b:
        if k > a:
            points.append(k)
        k += 1
    return mp.quad(integrand, sorted(set(points)))


def rate_hz(mu, sd, tau, t_ref, v_th, v_reset):
    sigma = mp.sqrt(2) * sd
    a = (mp.mpf(v_reset) - mu) / sigma
    b = (mp.mpf(v_th) - mu) / sigma
    isi_ms = t_ref + tau * mp.sqrt(mp.pi) * integral(a, b)
    return 1000 / isi_ms


def main():
    lif = dict(tau=10, t_ref=2, v_th=-50, v_reset=-70)  # models/lif.json defaults
    cases = []
    for sd in ['0.5', '2', '5', '10']:
        for mu in ['-80', '-65', '-58', '-54', '-51', '-50', '-49', '-45', '-40', '-30', '0']:
            cases.append(dict(lif, meanMV=mu, sdMV=sd))
    # other parameter sets: long refractoriness, reset near threshold, slow membrane
    cases.append(dict(tau=20, t_ref=5, v_th=-55, v_reset=-65, meanMV='-56', sdMV='3'))
    cases.append(dict(tau=5, t_ref=0, v_th=-50, v_reset=-52, meanMV='-48', sdMV='1'))
    cases.append(dict(tau=100, t_ref=1, v_th=20, v_reset=-80, meanMV='-10', sdMV='15'))
    # nearly noiseless: bounds far out at large negative u (the analytic LIF limit)
    cases.append(dict(lif, meanMV='-40', sdMV='0.01'))
    cases.append(dict(lif, meanMV='-45', sdMV='0.001'))
    # far below threshold: bounds at large positive u (rate tiny, still positive)
    cases.append(dict(lif, meanMV='-70', sdMV='1.5'))
    out = []
    for c in cases:
        nu = rate_hz(mp.mpf(c['meanMV']), mp.mpf(c['sdMV']), c['tau'], c['t_ref'], c['v_th'], c['v_reset'])
        out.append(dict(tauMs=c['tau'], tRefMs=c['t_ref'], vThMV=c['v_th'], vResetMV=c['v_reset'],
                        meanMV=float(c['meanMV']), sdMV=float(c['sdMV']), rateHz=mp.nstr(nu, 20)))
    erfcx = []
    for x in ['-26', '-10', '-3', '-1', '-0.3', '0', '1e-8', '0.1', '0.5', '1', '1.5', '1.99', '2', '2.01', '3', '5', '10', '30', '1e3', '1e6']:
        v = mp.exp(mp.mpf(x) ** 2) * mp.erfc(mp.mpf(x))
        erfcx.append(dict(x=float(x), erfcx=mp.nstr(v, 20)))
    print(json.dumps(dict(generator='tests/reference/siegert/siegert_mpmath.py', mpmath=mp.__version__,
                          dps=mp.mp.dps, siegert=out, erfcx=erfcx), indent=1))


if __name__ == '__main__':
    main()

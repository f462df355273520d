#!/usr/bin/env python3
# Share of a training step per component, from a perf recording of `wavedistill bench-training`
# (scripts/profile-training/run.sh). Usage: shares.py perf.data
import subprocess, sys, re, collections
data = sys.argv[1]
# Window: first to last sample whose call chain passes through TaskStepper.step (the steps only:
# no probes, no model set-up). OpenBLAS kernels have no frame pointers, so the window, not the
# call chain, attributes their samples.
out = subprocess.run(['perf','script','-i',data,'-F','time,ip,sym'], capture_output=True, text=True).stdout
t0=t1=None; cur=None; inside=False
for line in out.split('\n'):
    if not line.strip(): 
        continue
    if not line.startswith((' ','\t')):
        cur=float(line.strip().rstrip(':').split()[-1].rstrip(':'))
    elif 'TaskStepper' in line and '4step' in line:
        t0 = cur if t0 is None else min(t0,cur); t1 = cur if t1 is None else max(t1,cur)
rep = subprocess.run(['perf','report','-i',data,'--no-children','--stdio','-g','none','--sort','dso,symbol','--time',f'{t0:.6f},{t1:.6f}'],capture_output=True,text=True).stdout
dem = subprocess.run(['swift','demangle','--simplified'],input=rep,capture_output=True,text=True).stdout
cats = [
 ('GEMM (OpenBLAS sgemm kernels, packing)', r'sgemm|openblas'),
 ('page faults and zeroing of fresh buffers (kernel)', r'\[k\]'),
 ('Tensor allocation/zero-fill (Tensor.init, memset)', r'Tensor\.init|memset|malloc|free|_int_'),
 ('copies (memmove)', r'memmove|memcpy'),
 ('gate tanh*sigmoid forward/backward', r'wd_gate|GatedActivation'),
 ('MoL head log-density and gradient (with its libm exp/log1p calls)', r'Mixture|MoL|Logistic|wd_softplus|wd_log|log_fma|exp_fma|expm1|exp@@|log1p|logf|expf|wd_logsumexp|Logistics|DensityDistillation'),
 ('spectral losses (FFTW, STFT)', r'fftw|STFT|Spectral|PowerLoss|fft|n1fv|n2fv|r2cf|r2cb|hc2cf|t1fv|t2fv|q1fv|cos_fma|sin_fma'),
 ('bias, residual scale, axpy, column sums', r'wd_axpy|wd_add_row_bias|wd_scale|wd_column_sums|Ops\.'),
 ('upsampler', r'ConditionUpsampler|Upsampler'),
 ('Adam, EMA, clipping', r'Adam|ExponentialMovingAverage|clipGradients|gradientGlobalNorm|checkGradients|wd_adam'),
 ('student flows (affine, excitation, source)', r'AffineComposition|ExcitationFilter|StudentFlow|IAFStudent|Harmonic|Pulse'),
 ('linear predictor / pitch', r'Prediction|Pitch|Levinson'),
 ('noise (Philox)', r'Philox'),
]
tot=collections.Counter(); other=collections.Counter()
for line in dem.split('\n'):
    m=re.match(r'\s+([\d.]+)%\s+(\S+)\s+(\[.\])\s+(.*)',line)
    if not m: continue
    pct=float(m.group(1)); text=m.group(2)+' '+m.group(3)+' '+m.group(4)
    for name,pat in cats:
        if re.search(pat,text):
            tot[name]+=pct; break
    else:
        tot['other']+=pct; other[m.group(4).strip()[:90]]+=pct
print(f'window {t1-t0:.2f} s')
for name,_ in cats+[('other','')]:
    print(f'{tot[name]:6.1f}%  {name}')
print('largest unclassified:', other.most_common(8))

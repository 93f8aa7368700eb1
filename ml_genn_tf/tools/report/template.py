"""The report's page: one Jinja2 template (autoescaped), inline CSS, no external resource
(no scripts, fonts, style sheets or links: the page renders offline)."""

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:72em;color:#222;line-height:1.4}
h1{margin-bottom:0.2em}h2{border-bottom:2px solid #ddd;padding-bottom:0.2em;margin-top:2em}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.9em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:top}
th{background:#f3f3f3}td.text,th.text{text-align:left}
tr.culprit td{background:#fff1e6}.error{color:#b00}.note{color:#555;font-size:0.9em}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:0.9em;color:#444;max-width:60em}
.pair{display:grid;grid-template-columns:3fr 2fr;gap:1.5em;align-items:start}
.estimate{font-weight:bold;color:#8a4b00}
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title><style>{{ style }}</style></head>
<body>
<h1>{{ title }}</h1>
<p class="note">{{ rows|length }} conversion(s) of {{ models|length }} model(s).
Accuracies are on the test examples of each row; differences are SNN &minus; ANN in
percentage points. The diagnosis compares every population of the SNN with the ANN on the
first test examples; the energy figures are <span class="estimate">estimates</span> from
operation counts (see the cost table at the end).</p>

<h2>Summary</h2>
<table id="summary">
<tr><th class="text">model</th><th class="text">method</th><th>steps</th><th>ANN %</th>
<th>SNN %</th><th>diff</th><th>agreement %</th><th>latency [steps]</th>
<th>spikes/neuron</th><th>SynOps/example</th><th>ANN MACs/example</th>
<th>energy SNN/ANN (estimate)</th><th class="text">culprit</th></tr>
{% for r in rows %}
<tr><td class="text">{{ r.model }}</td><td class="text">{{ r.method }}</td>
<td>{{ r.steps }}</td><td>{{ r.ann }}</td><td>{{ r.snn }}</td><td>{{ r.diff }}</td>
<td>{{ r.agreement }}</td><td>{{ r.latency }}</td><td>{{ r.spikes }}</td>
<td>{{ r.synops }}</td><td>{{ r.macs }}</td><td>{{ r.energy_ratio }}</td>
<td class="text{% if r.error %} error{% endif %}">{{ r.error or r.culprit }}</td></tr>
{% endfor %}
</table>
<figure><img
alt="ANN and SNN accuracy of every conversion"
src="data:image/png;base64,{{ summary_plot }}">
<figcaption>Figure 1. ANN (blue) and SNN (orange) accuracy of every model and method;
the number above each SNN bar is SNN &minus; ANN in points.</figcaption></figure>

{% for m in models %}
<h2 id="model-{{ loop.index }}">{{ m.name }}</h2>
<p class="note">Data set {{ m.dataset }}; {{ m.num_test }} test examples;
methods: {{ m.methods|join(", ") }}.</p>
<figure><img
alt="accuracy of {{ m.name }} per method"
src="data:image/png;base64,{{ m.accuracy_plot }}">
<figcaption>ANN and SNN accuracy of {{ m.name }} per method (timesteps T for rate
coding, k per stage for few-spike); the number above each SNN bar is the difference in
points.</figcaption></figure>
{% if m.sweep_plot %}
<figure><img
alt="accuracy against T and k for {{ m.name }}"
src="data:image/png;base64,{{ m.sweep_plot }}">
<figcaption>SNN accuracy against the number of timesteps T (rate methods, read from one
simulation at each checkpoint) and against k (few-spike, one calibration); the dashed
line is the ANN's accuracy.</figcaption></figure>
{% else %}
<p class="note">No sweep for this model (run <code>ml-genn-tf convert --sweep ...</code>
for accuracy against T or k).</p>
{% endif %}
<figure><img
alt="firing rates and spikes per neuron per layer of {{ m.name }}"
src="data:image/png;base64,{{ m.activity_plot }}">
<figcaption>Per population, in network order: mean firing rate in Hz (timestep 1 ms) and
mean spikes per neuron per example, one line per method. Few-spike neurons spike at most
k times per example; rate neurons at most once per timestep.</figcaption></figure>

{% for d in m.diagnoses %}
<h3>Diagnosis: {{ d.label }}</h3>
<p><strong>{{ d.culprit_text }}</strong> &mdash; {{ d.num_examples }} test examples,
ANN and SNN agree on {{ d.agreement }}% of them.</p>
<table class="diagnosis">
<tr><th class="text">layer</th><th class="text">population</th><th>neurons</th>
<th>correlation</th><th>rel. error</th><th>local error</th><th>gain</th>
<th>local gain</th><th>saturated</th><th>silent</th><th>residual</th>
<th>spikes/neuron</th><th class="text">hint</th></tr>
{% for row in d.rows %}
<tr{% if row.layer == d.culprit %} class="culprit"{% endif %}>
<td class="text">{{ row.layer }}</td><td class="text">{{ row.population }}</td>
<td>{{ row.neurons }}</td><td>{{ row.correlation }}</td><td>{{ row.relative_error }}</td>
<td>{{ row.local_error }}</td><td>{{ row.gain }}</td><td>{{ row.local_gain }}</td>
<td>{{ row.saturated }}</td><td>{{ row.silent }}</td><td>{{ row.residual }}</td>
<td>{{ row.spikes_per_neuron }}</td><td class="text">{{ row.hint or "-" }}</td></tr>
{% endfor %}
</table>
{% endfor %}
{% if m.diagnoses %}
<p class="note">Relative error: &Vert;SNN &minus; ANN&Vert; / &Vert;ANN&Vert; of the
population's values, the SNN's decoded into the ANN's units (rate &times; scale, or the
few-spike code); local error: the same against the ANN's layer applied to the SNN's own
inputs (the error the population adds); gain: least-squares slope of SNN on ANN;
saturated: values at the maximum rate or top code; silent: of the clearly positive ANN
values, those whose neuron never fired; residual: charge left at the end over the
threshold. The culprit is the first population adding a local error above 0.3 where the
error against the ANN is above 0.3.</p>
{% endif %}

{% if m.operations_plot %}
<figure><img
alt="synaptic operations and MACs per layer of {{ m.name }}"
src="data:image/png;base64,{{ m.operations_plot }}">
<figcaption>Per population: the ANN's multiply-accumulates (grey) and each SNN's
synaptic operations (a spike delivered over one synapse) per example, log scale.
</figcaption></figure>
{% endif %}
{% if m.energy %}
<table class="energy">
<tr><th class="text">method</th><th class="text">platform (cost per operation)</th>
<th>operations/example</th><th>energy/example [µJ] <span class="estimate">(estimate)</span></th>
<th>vs ANN float MAC</th></tr>
{% for e in m.energy %}
<tr><td class="text">{{ e.method }}</td>
<td class="text">{{ e.platform }} ({{ e.picojoules }} pJ)</td>
<td>{{ e.operations }}</td><td>{{ e.microjoules }}</td><td>{{ e.ratio }}</td></tr>
{% endfor %}
</table>
{% endif %}

{% for p in m.pictures %}
<h3>Spikes and agreement: {{ p.label }}</h3>
<div class="pair">
{% if p.raster %}
<figure><img
alt="spike raster, {{ p.label }}"
src="data:image/png;base64,{{ p.raster }}">
<figcaption>Spike raster of test example 0: each population (input at the bottom) shows
its most active neurons (of all its neurons, in brackets); {{ p.raster_note }}</figcaption></figure>
{% endif %}
{% if p.confusion %}
<figure><img
alt="ANN against SNN predictions, {{ p.label }}"
src="data:image/png;base64,{{ p.confusion }}">
<figcaption>ANN prediction against SNN prediction on {{ p.num_examples }} test examples:
the diagonal is where they agree ({{ p.agreement }}%).</figcaption></figure>
{% endif %}
</div>
{% endfor %}
{% endfor %}

<h2>Energy estimate: cost table</h2>
<p class="note"><span class="estimate">These are estimates</span>: operation counts times
published energies per operation. The ANN performs one multiply-accumulate (MAC) per
synapse per example; the SNN one accumulate per synaptic operation. Memory access, neuron
updates, data movement and idle power are left out, and this project runs on CPUs and
GPUs, not on the chips listed.</p>
<table id="costs">
<tr><th class="text">network</th><th class="text">operation</th><th>pJ per operation</th>
<th class="text">source</th></tr>
{% for c in costs %}
<tr><td class="text">{{ c.network }}</td><td class="text">{{ c.platform }}</td>
<td>{{ c.picojoules }}</td><td class="text">{{ c.source }}</td></tr>
{% endfor %}
</table>
<p class="note">Sources: M. Horowitz, "Computing's energy problem (and what we can do about
it)", ISSCC 2014 (45 nm); M. Davies et al., "Loihi: a neuromorphic manycore processor with
on-chip learning", IEEE Micro 38(1), 2018; P. A. Merolla et al., "A million spiking-neuron
integrated circuit with a scalable communication network and interface", Science 345,
2014.</p>
</body></html>
"""

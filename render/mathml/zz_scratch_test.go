package mathml

import ("testing"; "os"; "strings")

func TestScratchPage(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<!doctype html><meta charset="utf-8"><style>body{font-size:20px} math{font-family:"DejaVu Math TeX Gyre"} td{padding:4px 12px;border-bottom:1px solid #ccc}</style><table>`)
	for _, s := range []string{`\frac{a+b}{2c} = \frac12`, `\sum_{i=1}^{n} x_i^2 \le \max_{\theta \in \Theta} f(\theta)`, `\bar{x} + \hat{y} + \tilde{z} + \vec{v} + \overline{AB}`, `\sqrt{x^2+1} + \sqrt[3]{\frac{a}{b}}`, `\left( \frac{a}{b} \right) \left[ x \right] \left\{ y \right\}`, `\log x + \exp(x) + \operatorname*{arg\,max}_{w} L(w)`, `\mathbf{W}^\top \mathbf{x} \in \mathbb{R}^n, \mathcal{L}, \mathrm{KL}(p \mid q)`, `f'(x) = x'' \cdot 3.14 \times 10^{-3}, \quad \alpha\,\beta\;\gamma\!\delta`, `\text{if } x \ne 0 \text{ and } y \geq 1`, `\Gamma \Delta \Theta \Lambda \Sigma \Phi \Psi \Omega \Pi \epsilon \varepsilon \phi \varphi`, `a_{i,j}^{(k)} \to b \mapsto c \approx d \pm e, \ldots, \cdots, \infty`, `\{ 1, 2 \} \mid x | y |`} {
		in, _ := Convert(s, false)
		d, err := Convert(s, true)
		if err != nil { t.Fatal(err) }
		b.WriteString("<tr><td>" + in + "</td><td>" + d + "</td></tr>\n")
	}
	b.WriteString("</table>")
	os.WriteFile("/tmp/page.html", []byte(b.String()), 0o644)
}

// Typeset the math with the vendored KaTeX: pymdownx.arithmatex's \(...\) and \[...\] in the
// Markdown pages, and the notebooks' $...$ and $$...$$ (mkdocs-jupyter leaves them as text).
// Code and pre blocks are skipped by auto-render, so a `$` in code stays a dollar sign.
document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  });
});

// Compare: after a run, each cell whose build-time (published) outputs were
// hidden gets a toggle button in its live output that shows them again, under
// the new output and labelled, so a reader sees what their change did.
// The toggle only flips the class outputs.js uses to hide them; a new run or
// Revert hides or restores them as usual (clearCompare drops our additions).

const SUPERSEDED = 'livegallery-superseded'; // outputs.js hides build-time outputs with it
const SHOWN = 'livegallery-compared';
const LABEL = 'livegallery-compare-label';

export const toggleName = (index) => `Show published output of cell ${index + 1}`;

/** Add a toggle to each live output box whose cell has build-time outputs. */
export function addCompareToggles(doc, outputs) {
  outputs.forEach((out) => {
    if (!out.box || out.box.querySelector('.livegallery-compare')) return;
    const olds = buildOutputs(doc, out.index);
    if (!olds.length) return;
    const button = doc.createElement('button');
    button.type = 'button';
    button.className = 'livegallery-compare';
    button.textContent = 'Show published output';
    button.setAttribute('aria-label', toggleName(out.index));
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', () => setShown(doc, out.index, button,
      button.getAttribute('aria-pressed') !== 'true'));
    const label = out.box.querySelector('.livegallery-run-label');
    if (label) label.after(button);
    else out.box.prepend(button);
  });
}

function buildOutputs(doc, index) {
  return [...doc.querySelectorAll(`.livegallery-output-${index}`)];
}

function setShown(doc, index, button, shown) {
  const olds = buildOutputs(doc, index);
  button.setAttribute('aria-pressed', String(shown));
  doc.querySelectorAll(`.${LABEL}[data-livegallery-cell="${index}"]`).forEach((el) => el.remove());
  olds.forEach((el) => {
    el.classList.toggle(SUPERSEDED, !shown);
    el.classList.toggle(SHOWN, shown);
  });
  if (shown && olds.length) {
    const label = doc.createElement('p');
    label.className = LABEL;
    label.dataset.livegalleryCell = String(index);
    label.textContent = 'Published output (as built with the docs)';
    olds[0].before(label);
  }
}

/** Forget every comparison (before a new run, on Revert). */
export function clearCompare(doc) {
  doc.querySelectorAll(`.${LABEL}`).forEach((el) => el.remove());
  doc.querySelectorAll(`.${SHOWN}`).forEach((el) => el.classList.remove(SHOWN));
}

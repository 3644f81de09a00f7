/**
 * Building DOM nodes without HTML strings: text goes in as text nodes, so nothing the server
 * answers (record ids, dataset names, error details) can ever be parsed as markup.
 */
export type Child = Node | string | number | null | undefined | false

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'dataset' | 'style'>> & {
  /** data-* attributes (the tests find parts of the page by data-testid). */
  data?: Record<string, string | number>
  attrs?: Record<string, string>
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const { data, attrs, ...rest } = props
  const el = Object.assign(document.createElement(tag), rest)
  for (const [k, v] of Object.entries(data ?? {})) el.dataset[k] = String(v)
  for (const [k, v] of Object.entries(attrs ?? {})) el.setAttribute(k, v)
  append(el, ...children)
  return el
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
}

/** Replaces everything inside `el`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, ...children)
}

const SVG = 'http://www.w3.org/2000/svg'

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Node[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  el.append(...children)
  return el
}

/** A labelled form field. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h('label', { className: 'field' }, h('span', { className: 'field-label' }, label), control, hint ? h('span', { className: 'hint' }, hint) : null)
}

export function select(name: string, options: readonly string[], value?: string): HTMLSelectElement {
  const el = h('select', { name }, ...options.map((o) => h('option', { value: o, textContent: o })))
  if (value !== undefined) el.value = value
  return el
}

/** A section card with a title and optional actions on the right of the title. */
export function card(title: string, testid: string, ...children: Child[]): HTMLElement {
  return h('section', { className: 'card', data: { testid } }, h('h2', {}, title), ...children)
}

/** A progress bar (value 0…1), accessible as a progressbar. */
export function progress(value: number): HTMLProgressElement {
  return h('progress', { max: 1, value: Math.max(0, Math.min(1, value)) })
}

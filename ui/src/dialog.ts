/** A modal confirmation (a <dialog>, not window.confirm) that names what the action costs. */
import { h } from './dom.js'

export function confirmCost(title: string, lines: string[], action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', className: 'primary', textContent: action, data: { testid: 'confirm' } })
    const cancel = h('button', { type: 'button', textContent: 'Cancel', data: { testid: 'cancel' } })
    const dialog = h(
      'dialog',
      { className: 'confirm', data: { testid: 'confirm-dialog' } },
      h('h3', {}, title),
      ...lines.map((l) => h('p', {}, l)),
      h('div', { className: 'actions' }, cancel, ok),
    )
    const done = (answer: boolean) => {
      dialog.close()
      dialog.remove()
      resolve(answer)
    }
    ok.onclick = () => done(true)
    cancel.onclick = () => done(false)
    dialog.oncancel = () => done(false)
    document.body.append(dialog)
    dialog.showModal()
    cancel.focus()
  })
}

import { ApiError } from '@o2o/web-common/api';
import { h } from './dom.js';
import { logIn, type Session } from './session.js';

export function showLogin(root: HTMLElement, onDone: (session: Session) => void): void {
  const error = h('div', { class: 'error', hidden: true, role: 'alert' });
  const email = h('input', {
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    placeholder: 'ops@example.com',
  });
  const password = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { class: 'btn block', type: 'submit' }, 'Log in');
  const form = h(
    'form',
    { class: 'card stack login' },
    h(
      'div',
      { class: 'row' },
      h('span', { class: 'logo' }, 'O2O'),
      h('div', {}, h('h1', {}, 'Ops console'), h('small', { class: 'muted' }, 'Live dispatch for operators')),
    ),
    h('label', {}, 'Email', email),
    h('label', {}, 'Password', password),
    error,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      onDone(await logIn(email.value.trim(), password.value));
    } catch (err) {
      error.textContent =
        err instanceof ApiError && err.status === 401
          ? 'Wrong email or password.'
          : err instanceof Error
            ? err.message
            : String(err);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  root.replaceChildren(h('div', { class: 'login-wrap' }, form));
  email.focus();
}

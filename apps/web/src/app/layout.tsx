import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { NavLink } from '@/components/nav-link';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Contacts', template: '%s · Contacts' },
  description: 'Next.js + BullMQ + Drizzle template: CSV contact imports through a job queue.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <header className="topbar">
          <div className="topbar-inner">
            <Link href="/" className="brand">
              <span className="brand-mark" aria-hidden="true" />
              {/* demo:start */}
              Contacts
              {/* demo:end */}
            </Link>
            <nav aria-label="Main">
              <ul className="nav">
                <li>
                  <NavLink href="/">Dashboard</NavLink>
                </li>
                {/* demo:start */}
                <li>
                  <NavLink href="/imports">Imports</NavLink>
                </li>
                <li>
                  <NavLink href="/contacts">Contacts</NavLink>
                </li>
                {/* demo:end */}
                <li>
                  <NavLink href="/examples">Examples</NavLink>
                </li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" className="page" tabIndex={-1}>
          {children}
        </main>
      </body>
    </html>
  );
}

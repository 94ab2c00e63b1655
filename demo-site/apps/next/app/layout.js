import Tracker from './tracker';

export const metadata = { title: 'Home - wasm-tracker in a Next.js app' };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>
        {children}
        <Tracker />
      </body>
    </html>
  );
}

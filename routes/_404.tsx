import { Layout } from "../components/Layout.tsx";

/** The page for any path we do not serve. It ships no JavaScript. */
export default function NotFound() {
  return (
    <Layout lang="en" title="Not found · Strangers">
      <main class="page not-found">
        <h1>Not found</h1>
        <p>
          There is nothing here. <a href="/">Start a chat with a stranger</a>.
        </p>
      </main>
    </Layout>
  );
}

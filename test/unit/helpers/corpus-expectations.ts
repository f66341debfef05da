/** Hand-picked from each corpus Dockerfile (test/corpus/): shared by the unit and the integration test of the explanation. */

/** Case → [first re-run on the code change, on the dependency change] (a part of the step's text). */
export const CORPUS_FIRST_RERUN: Record<string, [string, string]> = {
  '01-dotnet-csproj-restore': ['COPY . .', 'COPY src/Shop.Domain/Shop.Domain.csproj src/Shop.Domain/'],
  '02-dotnet-multiproject-link': ['COPY --link src/Billing.Core/ src/Billing.Core/', 'COPY --link NuGet.config Directory.Build.props Directory.Packages.props ./'],
  '03-dotnet-runtime-deps-crossplatform': ['COPY src/ src/', 'COPY src/Gateway/Gateway.csproj src/Gateway/'],
  '04-digest-pinned-static-site': ['COPY content/ content/', 'COPY theme.lock ./'],
  '05-node-npm-ci-link': ['[build 2/3] COPY --link src/ src/', 'COPY --link package.json package-lock.json ./'],
  '06-go-static-scratch': ['COPY . .', 'COPY go.mod go.sum ./'],
  '07-python-venv-pip-cache': ['COPY src/ src/', 'COPY requirements.txt .'],
  '08-java-maven-jar': ['COPY src/ src/', 'COPY pom.xml ./'],
  '09-monorepo-100-steps': ['COPY packages/pkg-30/src/ packages/pkg-30/src/', 'COPY package.json package-lock.json ./'],
  '10-gradle-heredocs': ['COPY src/ src/', 'COPY gradle/libs.versions.toml gradle/'],
  '11-elixir-bind-from-stage': ['[build 5/6] COPY lib/ lib/', '[deps 3/5] COPY mix.exs mix.lock ./'],
  '12-php-target-skips-test': ['[final 2/3] COPY . .', '[vendor 1/2] COPY composer.json composer.lock ./'],
  '13-c-make-unnamed-stages': ['[stage-1 5/7] COPY src/ src/', '[stage-0 3/4] COPY vendor.lock .'],
  '14-deno-single-stage': ['COPY . .', 'COPY deno.json deno.lock ./'],
  '15-ruby-dockerignore-reincludes': ['COPY . .', 'COPY Gemfile Gemfile.lock ./'],
  '16-rust-dockerfile-specific-ignore': ['COPY src/ src/', 'COPY Cargo.toml Cargo.lock ./'],
  '17-python-onbuild': ['COPY . .', 'COPY requirements.txt ./'],
};

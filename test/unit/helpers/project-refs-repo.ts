/**
 * A small .NET repository whose published project has no package references, only a
 * project reference: detection finds a code change and no dependency change. Used by the
 * partial-detection unit test and the integration test that runs it on the real engine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_REFS_DOCKERFILE = `FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY App/App.csproj App/
COPY Lib/Lib.csproj Lib/
RUN dotnet restore App/App.csproj -p:NuGetAudit=false
COPY . .
RUN dotnet publish App/App.csproj -c Release -o /out --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out .
ENTRYPOINT ["dotnet", "App.dll"]
`;

export const PROJECT_REFS_FILES: Record<string, string> = {
  Dockerfile: PROJECT_REFS_DOCKERFILE,
  '.dockerignore': '**/bin/\n**/obj/\n.git\n',
  'App/App.csproj': [
    '<Project Sdk="Microsoft.NET.Sdk.Web">',
    '  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>',
    '  <ItemGroup><ProjectReference Include="..\\Lib\\Lib.csproj" /></ItemGroup>',
    '</Project>',
    '',
  ].join('\n'),
  'App/Program.cs': 'var app = WebApplication.CreateBuilder(args).Build();\napp.MapGet("/", () => Lib.Greeter.Hello());\napp.Run();\n',
  'Lib/Lib.csproj': '<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup>\n</Project>\n',
  'Lib/Greeter.cs': 'namespace Lib;\n\npublic static class Greeter\n{\n    public static string Hello() => "hello";\n}\n',
};

export function writeProjectRefsRepo(dir: string): void {
  for (const [f, text] of Object.entries(PROJECT_REFS_FILES)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
}

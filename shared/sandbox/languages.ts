import type { LanguageId, LanguageInfo, RunFile } from '../protocol/runs.js';
import { imageTag, type LanguageImage } from './images.js';

export interface LanguageDefinition {
  id: LanguageId;
  name: string;
  version: string;
  extension: string;
  image: LanguageImage;
  template: string;
  defaultEntry: string;
  /** The compile step, for compiled languages; its failure ends the run in the `compile` phase. */
  compile?: (entry: string, files: RunFile[]) => string[];
  run: (entry: string) => string[];
}

const sources = (files: RunFile[], ...extensions: string[]) =>
  files.map((file) => file.path).filter((p) => extensions.some((ext) => p.endsWith(ext)));
const PROGRAM = '/tmp/tandem-program';
// Quick JVM start on a small CPU share; no performance data file on the read-only root.
const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-Xshare:auto'];

export const LANGUAGES: readonly LanguageDefinition[] = [
  {
    id: 'python',
    name: 'Python',
    version: '3.11',
    extension: '.py',
    image: 'python',
    defaultEntry: 'main.py',
    template: 'print("Hello, world!")\n',
    run: (entry) => ['python3', '-u', entry],
  },
  {
    id: 'javascript',
    name: 'JavaScript (Node.js)',
    version: '18',
    extension: '.js',
    image: 'node',
    defaultEntry: 'main.js',
    template: 'console.log("Hello, world!");\n',
    run: (entry) => ['node', entry],
  },
  {
    id: 'c',
    name: 'C (GCC, C17)',
    version: '12',
    extension: '.c',
    image: 'c-cpp',
    defaultEntry: 'main.c',
    template: '#include <stdio.h>\n\nint main(void) {\n    printf("Hello, world!\\n");\n    return 0;\n}\n',
    compile: (_entry, files) => ['gcc', '-O2', '-std=c17', '-Wall', '-o', PROGRAM, ...sources(files, '.c'), '-lm'],
    run: () => [PROGRAM],
  },
  {
    id: 'cpp',
    name: 'C++ (G++, C++17)',
    version: '12',
    extension: '.cpp',
    image: 'c-cpp',
    defaultEntry: 'main.cpp',
    template: '#include <iostream>\n\nint main() {\n    std::cout << "Hello, world!" << std::endl;\n    return 0;\n}\n',
    compile: (_entry, files) => ['g++', '-O2', '-std=c++17', '-Wall', '-o', PROGRAM, ...sources(files, '.cpp', '.cc', '.cxx')],
    run: () => [PROGRAM],
  },
  {
    id: 'java',
    name: 'Java (OpenJDK)',
    version: '17',
    extension: '.java',
    image: 'java',
    defaultEntry: 'Main.java',
    template: 'public class Main {\n    public static void main(String[] args) {\n        System.out.println("Hello, world!");\n    }\n}\n',
    compile: (_entry, files) => [
      'javac',
      ...JVM_FLAGS.map((flag) => `-J${flag}`),
      '-encoding',
      'UTF-8',
      '-d',
      '/tmp/classes',
      ...sources(files, '.java'),
    ],
    run: (entry) => [
      'java',
      ...JVM_FLAGS,
      '-cp',
      '/tmp/classes',
      entry
        .replace(/\.java$/, '')
        .split('/')
        .at(-1)!,
    ],
  },
  {
    id: 'go',
    name: 'Go',
    version: '1.19',
    extension: '.go',
    image: 'go',
    defaultEntry: 'main.go',
    template: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("Hello, world!")\n}\n',
    compile: (_entry, files) => ['go', 'build', '-o', PROGRAM, ...sources(files, '.go')],
    run: () => [PROGRAM],
  },
  {
    id: 'bash',
    name: 'Bash',
    version: '5.2',
    extension: '.sh',
    image: 'bash',
    defaultEntry: 'main.sh',
    template: 'echo "Hello, world!"\n',
    run: (entry) => ['bash', entry],
  },
];

export function findLanguage(id: string): LanguageDefinition | undefined {
  return LANGUAGES.find((language) => language.id === id);
}

export function languageInfo(language: LanguageDefinition): LanguageInfo {
  const { id, name, version, extension, template, defaultEntry } = language;
  return { id, name, version, extension, template, defaultEntry, image: imageTag(language.image) };
}

/** The pipeline most exec tests run: an artifact passed from build to test, and a failing job allowed to fail. */
export const EXEC_PIPELINE = `
stages: [build, test]
build:
  stage: build
  script:
    - echo "built from $(cat input.txt)" > out.txt
  artifacts:
    paths: [out.txt]
test:
  stage: test
  script:
    - cat out.txt
    - grep -q uncommitted out.txt
flaky:
  stage: test
  needs: []
  allow_failure: true
  script: [exit 3]
`

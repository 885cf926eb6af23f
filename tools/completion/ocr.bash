# bash completion for ocr(1): subcommands, their options and the values of options with a fixed
# set (formats, layouts, model names from `ocr models`). Installed as
# share/bash-completion/completions/ocr; or source it from ~/.bashrc. Needs no bash-completion
# package. tests/tools/shell_docs_test.cpp checks that it offers every option of every --help.

_ocr_model_names() {
  "${COMP_WORDS[0]}" models 2>/dev/null | awk 'f && NF { print $1 } /^NAME/ { f = 1 }'
}

_ocr_files() {  # files (or with -d, folders) matching the current word
  local IFS=$'\n'
  COMPREPLY+=($(compgen "${1:--f}" -- "$cur"))
  compopt -o filenames 2>/dev/null
}

_ocr_model_files() {  # model files (*.ocrm) and folders
  local IFS=$'\n'
  COMPREPLY+=($(compgen -f -X '!*.ocrm' -- "$cur") $(compgen -d -- "$cur"))
  compopt -o filenames 2>/dev/null
}

_ocr() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" sub="" i w
  COMPREPLY=()
  # The subcommand (and lm's) is the first word that is not an option: the options before it
  # (-q, -v) take no value.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    if [[ -z $cmd ]]; then
      cmd=$w
    elif [[ $cmd == lm && -z $sub ]]; then
      sub=$w
    fi
  done

  local recognition="-m -l --model --lang --model-dir --layout --psm --detector --dpi --rotate
    --invert --contrast --denoise --binarize --no-deskew --no-document --no-rescale --fusion --engines --reread-below --fuse-below
    --decoder --beam-width --lm --lm-weight --word-bonus --lexicon --oov-penalty --allow-chars --deny-chars
    --min-confidence -c"
  local opts
  case $cmd in
    "")
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-h --help -q --quiet -v --verbose --version" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "recognize train inspect models eval lm synth average" -- "$cur"))
      fi
      return ;;
    recognize)
      opts="-h --help -f --format -o --output --output-dir --out-dir --suffix -r --recursive
        --files-from --shard -j --jobs --threads --force --fail-fast --keep-going --max-pixels --max-side
        --max-pages --pages --skip-text --progress --no-progress $recognition" ;;
    train)
      opts="-h --help --train --val --out --check --init --net --height --iterations --time-budget
        --batch --lr --warmup --decay --threads --seed --val-every --val-lines --augment
        --no-augment --precision --bf16 --freeze-backbone --patience --keep-checkpoints --synth-profiles
        --synth-hand-share --data-description --tile --text-height --page-kinds --data-threads --val-pages -c" ;;
    inspect) opts="-h --help" ;;
    models) opts="-h --help --model-dir" ;;
    eval)
      opts="-h --help --gt $recognition --raw --pred --fold --ignore-case --ignore-spaces
        --threads --worst --confusions --json" ;;
    synth)
      opts="-h --help --out --count --seed --split --profile --corpus --fonts --keep-dark
        --hand-share --no-accent-noise --stats --bench --pages --kinds -c" ;;
    average) opts="-h --help -o --out" ;;
    lm)
      case $sub in
        "")
          if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-h --help" -- "$cur"))
          else
            COMPREPLY=($(compgen -W "build info convert bench tune calibrate" -- "$cur"))
          fi
          return ;;
        build) opts="-h --help -o --output --order --prune --max-chars --arpa" ;;
        info) opts="-h --help --text" ;;
        convert) opts="-h --help" ;;
        bench) opts="-h --help --lm --text --lines --labels --frames --beam-width --lm-weight --lm-bonus" ;;
        tune) opts="-h --help --model --gt --lm --lexicon --limit --beam-width --write --alphas --betas --oov-penalties" ;;
        calibrate) opts="-h --help --model --gt --lm --lexicon --limit --beam-width --write --bins" ;;
        *) return ;;
      esac ;;
    *) return ;;
  esac

  # The value of the option before the cursor.
  case $prev in
    -f|--format)
      # A comma-separated list: complete its last item.
      local head=${cur%,*} tail=${cur##*,} f
      [[ $cur == *,* ]] || head=""
      for f in txt json jsonl hocr tsv alto page pdf; do
        [[ $f == "$tail"* ]] && COMPREPLY+=("${head:+$head,}$f")
      done
      compopt -o nospace 2>/dev/null
      return ;;
    --shard) COMPREPLY=($(compgen -W "auto 0/2 1/2 0/4 1/4 2/4 3/4" -- "$cur")); return ;;
    --layout|--psm) COMPREPLY=($(compgen -W "auto page block line 3 4 6 7 8 11 13" -- "$cur")); return ;;
    --rotate) COMPREPLY=($(compgen -W "auto 0 90 180 270" -- "$cur")); return ;;
    --invert) COMPREPLY=($(compgen -W "auto yes no" -- "$cur")); return ;;
    --contrast) COMPREPLY=($(compgen -W "auto stretch background none" -- "$cur")); return ;;
    --denoise) COMPREPLY=($(compgen -W "auto median none" -- "$cur")); return ;;
    --binarize) COMPREPLY=($(compgen -W "none otsu sauvola" -- "$cur")); return ;;
    --decoder) COMPREPLY=($(compgen -W "beam greedy" -- "$cur")); return ;;
    --fusion) COMPREPLY=($(compgen -W "auto vote posterior consensus" -- "$cur")); return ;;
    --engines) COMPREPLY=($(compgen -W "auto all" -- "$cur")); return ;;
    --split) COMPREPLY=($(compgen -W "train holdout" -- "$cur")); return ;;
    --progress) return ;;
    -m|-l|--model|--lang|--init)
      [[ $cmd == lm ]] || COMPREPLY=($(compgen -W "$(_ocr_model_names)" -- "$cur"))
      _ocr_model_files; return ;;
    --detector)
      COMPREPLY=($(compgen -W "auto heuristic $(_ocr_model_names)" -- "$cur"))
      _ocr_model_files; return ;;
    --lm|--lexicon)
      COMPREPLY=($(compgen -W "none" -- "$cur"))
      _ocr_files; return ;;
    --model-dir|--output-dir|--out-dir|--stats) _ocr_files -d; return ;;
    --train|--val|--gt|--pred|--out|-o|--output|--files-from|--corpus|--fonts|--text|--arpa)
      _ocr_files; return ;;
    --suffix|--pages|--dpi|--max-pixels|--max-side|--max-pages|-j|--jobs|--threads|--beam-width|\
    --lm-weight|--word-bonus|--oov-penalty|--allow-chars|--deny-chars|--min-confidence|--reread-below|--fuse-below|--net|\
    --height|--iterations|--time-budget|--batch|--lr|--warmup|--decay|--seed|--val-every|\
    --val-lines|--patience|--keep-checkpoints|--synth-profiles|--synth-hand-share|--hand-share|--data-description|--tile|\
    --text-height|--page-kinds|--data-threads|--val-pages|--worst|--confusions|--count|--profile|\
    --kinds|--order|--prune|--max-chars|--lines|--labels|--frames|--lm-bonus|--limit|--alphas|\
    --betas|--oov-penalties|--bins|-c)
      return ;;  # a number or free text
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ $cmd == inspect || $cmd == average ]]; then
    [[ $cmd == inspect ]] && COMPREPLY=($(compgen -W "$(_ocr_model_names)" -- "$cur"))
    _ocr_model_files
  else
    _ocr_files
  fi
}

complete -F _ocr ocr
